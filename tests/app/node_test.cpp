// The walking skeleton end to end: a real node on a free port over a temporary SQLite file,
// driven over HTTP and WebSocket like a client would.
#include "running_node.hpp"

#include "actors/thread_priority.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <gmock/gmock.h>

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

using namespace jobmesh;
using namespace jobmesh::testing;

namespace {

class node_test : public running_node {};

// This process's threads by name: each one's nice value (from /proc/self/task/*/stat).
std::multimap<std::string, int> nice_by_thread_name() {
  std::multimap<std::string, int> out;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm{task.path() / "comm"}, stat{task.path() / "stat"};
    std::string name, line;
    std::getline(comm, name);
    std::getline(stat, line);
    std::istringstream fields{line.substr(line.rfind(')') + 2)};  // from field 3, the state
    std::string field;
    for (int i = 3; i <= 19; ++i)  // fields 3 to 19; the 19th is the nice value
      fields >> field;
    out.emplace(name, std::stoi(field));
  }
  return out;
}

double number(const boost::json::value& v) {
  return v.is_double() ? v.as_double() : static_cast<double>(v.as_int64());
}

}  // namespace

TEST_F(node_test, a_sleep_job_streams_progress_over_websocket_and_survives_a_restart) {
  auto port = start();
  auto id = submit(port, R"({"type":"sleep","params":{"items":20,"ms_per_item":50}})");
  ws_client ws{port};
  // since 0: everything from the topic's first event, however quickly the job ran.
  ws.send(R"({"op":"subscribe","topic":"job:)" + id + R"(","since":0})");
  std::vector<double> progress;
  std::string last_type;
  while (auto msg = ws.next()) {
    last_type = std::string{msg->at("type").as_string()};
    EXPECT_EQ(std::string{msg->at("topic").as_string()}, "job:" + id);
    if (last_type == "progress")
      progress.push_back(number(msg->at("data").at("progress_percentage")));
    if (last_type == "completed")
      break;
  }
  ASSERT_EQ(last_type, "completed");
  ASSERT_GE(progress.size(), 10u);
  for (std::size_t i = 1; i < progress.size(); ++i)
    EXPECT_GE(progress[i], progress[i - 1]);
  EXPECT_DOUBLE_EQ(progress.back(), 100.0);

  stop();
  port = start();
  auto reply = http_call(port, http::verb::get, "/api/v1/jobs/" + id);
  ASSERT_EQ(reply.status, 200u);
  auto job = reply.json().as_object();
  EXPECT_EQ(std::string{job.at("status").as_string()}, "completed");
  EXPECT_EQ(job.at("processed_items").as_int64(), 20);
  EXPECT_EQ(job.at("total_items").as_int64(), 20);
  auto progress_reply = http_call(port, http::verb::get, "/api/v1/jobs/" + id + "/progress").json();
  EXPECT_EQ(number(progress_reply.at("progress_percentage")), 100.0);
}

TEST_F(node_test, cancel_stops_a_running_job_and_a_second_cancel_conflicts) {
  settings_.jobs.workers = 1;
  auto port = start();
  auto id = submit(port, R"({"type":"sleep","params":{"items":100,"ms_per_item":20}})");
  auto cancelled = http_call(port, http::verb::post, "/api/v1/jobs/" + id + "/cancel");
  ASSERT_EQ(cancelled.status, 200u) << cancelled.body;
  auto job = cancelled.json().as_object();
  EXPECT_EQ(std::string{job.at("status").as_string()}, "cancelled");
  EXPECT_LT(job.at("processed_items").as_int64(), 100);
  auto again = http_call(port, http::verb::post, "/api/v1/jobs/" + id + "/cancel");
  EXPECT_EQ(again.status, 409u);
  EXPECT_EQ(std::string{again.json().at("error").at("code").as_string()}, "conflict");
}

TEST_F(node_test, malformed_json_is_400_and_stores_nothing) {
  auto port = start();
  auto bad = http_call(port, http::verb::post, "/api/v1/jobs", R"({"type":"sleep","params":{"items":20)");
  EXPECT_EQ(bad.status, 400u);
  auto error = bad.json().at("error").as_object();
  EXPECT_EQ(std::string{error.at("code").as_string()}, "invalid_request");
  auto missing_type = http_call(port, http::verb::post, "/api/v1/jobs", R"({"params":{}})");
  EXPECT_EQ(missing_type.status, 400u);
  EXPECT_EQ(std::string{missing_type.json().at("error").at("details").at("field").as_string()}, "type");
  auto bad_param = http_call(port, http::verb::post, "/api/v1/jobs", R"({"type":"sleep","params":{"items":-5}})");
  EXPECT_EQ(bad_param.status, 400u);
  auto twice = http_call(port, http::verb::post, "/api/v1/jobs", R"({"type":"sleep","params":{},"type":"noop"})");
  EXPECT_EQ(twice.status, 400u);
  EXPECT_EQ(std::string{twice.json().at("error").at("details").at("field").as_string()}, "type");
  auto schedule_twice = http_call(port, http::verb::put, "/api/v1/schedules/twice",
                                  R"({"cron":"* * * * *","type":"noop","cron":"0 * * * *"})");
  EXPECT_EQ(schedule_twice.status, 400u);
  EXPECT_EQ(std::string{schedule_twice.json().at("error").at("details").at("field").as_string()}, "cron");
  auto listed = http_call(port, http::verb::get, "/api/v1/jobs?type=sleep");  // a scheduled job may come meanwhile
  ASSERT_EQ(listed.status, 200u);
  EXPECT_TRUE(listed.json().at("jobs").as_array().empty());
}

TEST_F(node_test, limits_routes_and_health) {
  settings_.server.body_limit_bytes = 1024;
  auto port = start();
  auto big = http_call(port, http::verb::post, "/api/v1/jobs", R"({"type":"noop","params":{"x":")" + std::string(2000, 'x') + "\"}}");
  EXPECT_EQ(big.status, 413u);
  EXPECT_EQ(http_call(port, http::verb::get, "/api/v1/nothing/here").status, 404u);
  auto wrong = http_call(port, http::verb::delete_, "/api/v1/jobs");
  EXPECT_EQ(wrong.status, 405u);
  EXPECT_EQ(http_call(port, http::verb::get, "/api/v1/jobs/01M819SZZC4RY7478857NQTNXP").status, 404u);
  EXPECT_EQ(http_call(port, http::verb::get, "/healthz").status, 200u);
  EXPECT_EQ(http_call(port, http::verb::get, "/readyz").status, 200u);
  auto types = http_call(port, http::verb::get, "/api/v1/job-types").json().at("job_types").as_array();
  std::map<std::string, std::string> group_of;
  for (const auto& t : types) {
    group_of[std::string{t.at("name").as_string()}] = std::string{t.at("group").as_string()};
    EXPECT_EQ(t.at("params_schema").at("type"), "object") << t.at("name");
  }
  EXPECT_EQ(group_of, (std::map<std::string, std::string>{{"noop", "test"},
                                                          {"sleep", "test"},
                                                          {"flaky", "test"},
                                                          {"hang", "test"},
                                                          {"match-scores", "matching"},
                                                          {"compatibility", "matching"},
                                                          {"bulk-analysis", "ingest"},
                                                          {"import-postings", "ingest"},
                                                          {"expired-job-cleanup", "maintenance"},
                                                          {"stats-reconcile", "maintenance"},
                                                          {"orphan-cleanup", "maintenance"},
                                                          {"trending-postings", "feed"},
                                                          {"affinity", "feed"},
                                                          {"feed-presort", "feed"},
                                                          {"skill-index", "search"},
                                                          {"skill-relationships", "search"}}));
  EXPECT_EQ(http_call(port, http::verb::get, "/api/v1/jobs/01M819SZZC4RY7478857NQTNXP/result").status, 404u);
}

// What a page on another site can send without asking first reaches no handler (API.md "Auth").
TEST_F(node_test, a_foreign_page_can_neither_submit_nor_cancel_nor_open_a_websocket) {
  auto port = start();
  const std::string job = R"({"type":"sleep","params":{"items":50,"ms_per_item":20}})";
  auto plain = http_call(port, http::verb::post, "/api/v1/jobs", job, "text/plain");
  EXPECT_EQ(plain.status, 415u);
  EXPECT_EQ(std::string{plain.json().at("error").at("code").as_string()}, "unsupported_media_type");
  auto submitted = http_call(port, http::verb::post, "/api/v1/jobs", job);
  ASSERT_EQ(submitted.status, 202u);
  auto id = std::string{submitted.json().at("id").as_string()};
  // A cancel has no body, yet needs its JSON Content-Type like every state-changing request.
  EXPECT_EQ(http_call(port, http::verb::post, "/api/v1/jobs/" + id + "/cancel", "", "").status, 415u);
  auto listed = http_call(port, http::verb::get, "/api/v1/jobs?type=sleep").json().at("jobs").as_array();
  EXPECT_EQ(listed.size(), 1u) << "the text/plain submit stored nothing";
  EXPECT_THROW(ws_client(port, "/api/v1/ws", "http://evil.example"), std::exception);
  ws_client own{port, "/api/v1/ws", "http://127.0.0.1:" + std::to_string(port)};
  own.send(R"({"op":"ping"})");
  auto pong = own.next();
  ASSERT_TRUE(pong);
  EXPECT_EQ(std::string{pong->at("type").as_string()}, "pong");
  EXPECT_EQ(http_call(port, http::verb::post, "/api/v1/jobs/" + id + "/cancel").status, 200u);
}

TEST_F(node_test, websocket_bad_messages_get_error_frames_and_the_session_lives_on) {
  auto port = start();
  ws_client ws{port};
  ws.send("not json");
  auto e1 = ws.next();
  ASSERT_TRUE(e1);
  EXPECT_EQ(std::string{e1->at("type").as_string()}, "error");
  ws.send(R"({"op":"subscribe","topic":"posting:1"})");
  auto e2 = ws.next();
  ASSERT_TRUE(e2);
  EXPECT_EQ(std::string{e2->at("data").at("code").as_string()}, "invalid_topic");
  ws.send(R"({"op":"ping"})");
  auto pong = ws.next();
  ASSERT_TRUE(pong);
  EXPECT_EQ(std::string{pong->at("type").as_string()}, "pong");
}

// Stopping while WebSocket sessions follow a running job and their bridge actors are busy
// forwarding its progress. Under AddressSanitizer this caught actors that held Asio executors
// past the io_context's end (heap-use-after-free in a strand's destructor).
TEST_F(node_test, stopping_with_websockets_following_a_running_job_frees_nothing_twice) {
  for (int round = 0; round < 3; ++round) {
    auto port = start();
    auto id = submit(port, R"({"type":"sleep","params":{"items":400,"ms_per_item":5}})");
    std::vector<std::unique_ptr<ws_client>> clients;
    for (int i = 0; i < 8; ++i) {
      clients.push_back(std::make_unique<ws_client>(port));
      clients.back()->send(R"({"op":"subscribe","topic":"job:)" + id + R"("})");
      clients.back()->send(R"({"op":"subscribe","topic":"jobs"})");
    }
    for (auto& c : clients) {  // every session has its bridge and is receiving progress
      std::optional<boost::json::object> msg;
      while ((msg = c->next()) && msg->at("type").as_string() != "progress") {
      }
      ASSERT_TRUE(msg) << "no progress reached a client in round " << round;
    }
    stop();
  }
}

// GET /metrics in Prometheus' text format: what the engine and the gateway counted.
TEST_F(node_test, metrics_count_jobs_items_requests_commits_and_sessions) {
  auto port = start();
  auto id = submit(port, R"({"type":"noop","params":{"items":3}})");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{20};
  std::string status;
  while (status != "completed" && std::chrono::steady_clock::now() < deadline) {
    status = http_call(port, http::verb::get, "/api/v1/jobs/" + id).json().at("status").as_string();
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  }
  ASSERT_EQ(status, "completed");
  ws_client ws{port};
  ws.send(R"({"op":"ping"})");
  ASSERT_TRUE(ws.next());
  // The supervisor counts a job's end just after storage has it: scrape until it shows.
  const std::string ended = R"(jobmesh_jobs_ended_total{status="completed",type="noop"} 1)";
  auto scraped = http_call(port, http::verb::get, "/metrics");
  while (scraped.body.find(ended) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
    scraped = http_call(port, http::verb::get, "/metrics");
  }
  ASSERT_EQ(scraped.status, 200u);
  EXPECT_THAT(std::string{scraped.headers[http::field::content_type]}, ::testing::StartsWith("text/plain; version=0.0.4"));
  const auto& text = scraped.body;
  using ::testing::HasSubstr;
  EXPECT_THAT(text, HasSubstr(ended));
  EXPECT_THAT(text, HasSubstr(R"(jobmesh_job_duration_seconds_count{type="noop"} 1)"));
  EXPECT_THAT(text, HasSubstr(R"(jobmesh_item_duration_seconds_count{type="noop"} 3)"));
  EXPECT_THAT(text, HasSubstr(R"(jobmesh_jobs{status="queued",type="noop"} 0)"));
  EXPECT_THAT(text, HasSubstr(R"(jobmesh_http_requests_total{code="202",route="/api/v1/jobs"} 1)"));
  EXPECT_THAT(text, HasSubstr(R"(jobmesh_http_request_duration_seconds_count{route="/api/v1/jobs/{id}"})"));
  EXPECT_THAT(text, HasSubstr("jobmesh_storage_commit_seconds_count"));
  EXPECT_THAT(text, HasSubstr("jobmesh_storage_commit_rows_bucket"));
  // The job's submission was answered, so a sync of the log covered it (SQLite: the syncer's).
  EXPECT_THAT(text, ::testing::ContainsRegex("\njobmesh_storage_sync_seconds_count [1-9][0-9]*\n"));
  EXPECT_THAT(text, HasSubstr("jobmesh_websocket_sessions 1"));
  EXPECT_THAT(text, ::testing::ContainsRegex("\njobmesh_match_words [0-9]+\n"));
  EXPECT_THAT(text, HasSubstr(R"(jobmesh_websocket_frames_total{outcome="dropped"} 0)"));
}

// API.md "WebSocket": a client so slow that even the frames never dropped (a job's own events)
// pile up is disconnected, and the server serves on. The client shrinks its socket's receive
// buffer and reads nothing while ten thousand jobs' events go to `jobs`.
TEST_F(node_test, a_websocket_client_that_reads_nothing_is_disconnected_and_the_server_serves_on) {
  namespace asio = boost::asio;
  namespace websocket = boost::beast::websocket;
  settings_.server.ws_queue_limit = 8;  // disconnected past 32 frames waiting
  auto port = start();
  asio::io_context io;
  asio::ip::tcp::socket socket{io};
  socket.open(asio::ip::tcp::v4());
  socket.set_option(asio::socket_base::receive_buffer_size(4'096));
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  websocket::stream<asio::ip::tcp::socket> ws{std::move(socket)};
  ws.handshake("127.0.0.1:" + std::to_string(port), "/api/v1/ws");
  ws.write(asio::buffer(std::string{R"({"op":"subscribe","topic":"jobs"})"}));
  ws.write(asio::buffer(std::string{R"({"op":"ping"})"}));
  // Every read bounded: one that has not ended after 20 s fails the test rather than hang it.
  boost::beast::flat_buffer frame;
  auto read = [&]() -> std::optional<boost::beast::error_code> {
    std::optional<boost::beast::error_code> outcome;
    frame.clear();
    ws.async_read(frame, [&](boost::beast::error_code ec, std::size_t) { outcome = ec; });
    io.restart();
    io.run_for(std::chrono::seconds{20});
    if (!outcome) {
      boost::beast::error_code ignored;
      ws.next_layer().close(ignored);  // ends the read; its handler runs before `outcome` goes
      io.restart();
      io.run();
      return std::nullopt;
    }
    return outcome;
  };
  auto text = [&] { return boost::beast::buffers_to_string(frame.data()); };
  ASSERT_EQ(read(), boost::beast::error_code{});
  EXPECT_THAT(text(), ::testing::HasSubstr(R"("type":"subscribed")"));
  ASSERT_EQ(read(), boost::beast::error_code{});  // the pong: the subscription reached the hub before it
  ASSERT_THAT(text(), ::testing::HasSubstr(R"("type":"pong")"));

  std::string body;
  for (int i = 0; i < 10'000; ++i)
    body += "{\"type\":\"noop\"}\n";
  auto submitted = http_call(port, http::verb::post, "/api/v1/jobs", body, "application/x-ndjson");
  ASSERT_EQ(submitted.status, 202u) << submitted.body;
  auto reply = submitted.json();
  const auto& jobs = reply.at("jobs").as_array();
  ASSERT_EQ(jobs.size(), 10'000u);
  auto last = await_end(port, std::string{jobs.back().at("id").as_string()});
  ASSERT_EQ(last.at("status").as_string(), "completed");

  // Only now read: what the buffers held comes, then the end of the stream.
  std::size_t frames = 0;
  auto outcome = read();
  for (; outcome && !*outcome; outcome = read())
    ++frames;
  ASSERT_TRUE(outcome) << "the connection was still open 20 s after the last of " << frames << " frames";
  EXPECT_LT(frames, 20'000u) << "every job's created and ended frames came: nothing was held back";
  // The session is gone, and a new client is served.
  const std::string none = "\njobmesh_websocket_sessions 0\n";
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{20};
  auto scraped = http_call(port, http::verb::get, "/metrics");
  while (scraped.body.find(none) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
    scraped = http_call(port, http::verb::get, "/metrics");
  }
  EXPECT_THAT(scraped.body, ::testing::HasSubstr(none));
  ws_client fresh{port};
  fresh.send(R"({"op":"ping"})");
  auto pong = fresh.next();
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->at("type").as_string(), "pong");
}

// The storage writer's thread runs ahead of the others (actors/thread_priority.hpp) where the
// system allows it, which a probe thread here finds out; its checkpointer's thread does not.
TEST_F(node_test, the_storage_writers_thread_runs_ahead_of_the_others_where_allowed) {
  start();
  run_job(R"({"type":"noop"})");  // stored: the writer has started (and named its thread)
  errno = 0;
  int process = ::getpriority(PRIO_PROCESS, static_cast<id_t>(::getpid()));
  bool allowed = false;
  std::thread{[&] { allowed = actors::run_ahead(actors::k_writer_nice_lead); }}.join();
  auto threads = nice_by_thread_name();
  ASSERT_EQ(threads.count("jobmesh.writer"), 1u);
  EXPECT_EQ(threads.find("jobmesh.writer")->second, allowed ? process - actors::k_writer_nice_lead : process);
  for (auto [it, end] = threads.equal_range("jobmesh.ckpt"); it != end; ++it)
    EXPECT_EQ(it->second, process);
  for (auto [it, end] = threads.equal_range("caf.multiplexer"); it != end; ++it)
    EXPECT_EQ(it->second, process);
}
