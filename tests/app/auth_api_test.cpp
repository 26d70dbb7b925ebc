// auth.mode "jwt" on a real node: no token is 401, a user sees and acts on its own jobs only
// (another user's job is 404, as if absent), writes of data need admin or service, and a
// WebSocket follows only what its caller may see.
#include "actors/engine.hpp"
#include "actors/job_json.hpp"
#include "actors/job_supervisor.hpp"
#include "jwt_node.hpp"

#include <boost/json/serialize.hpp>
#include <fmt/format.h>
#include <gmock/gmock.h>

#include <thread>

using namespace jobmesh;
using namespace jobmesh::testing;
using ::testing::HasSubstr;

namespace {

class auth_api_test : public jwt_node {
protected:
  void SetUp() override {
    jwt_node::SetUp();
    start();
    alice_ = token("alice", net::role::user);
    bob_ = token("bob", net::role::user);
    admin_ = token("ops", net::role::admin);
    service_ = token("feed", net::role::service);
  }

  std::string alice_, bob_, admin_, service_;
};

}  // namespace

TEST_F(auth_api_test, a_request_without_a_valid_token_is_401_and_health_needs_none) {
  auto none = call(http::verb::get, "/api/v1/jobs");
  EXPECT_EQ(none.status, 401u);
  EXPECT_EQ(none.headers[http::field::www_authenticate], "Bearer");
  EXPECT_EQ(std::string{none.json().at("error").at("code").as_string()}, "unauthorized");
  EXPECT_EQ(as("abc.def.ghi", http::verb::get, "/api/v1/jobs").status, 401u);
  auto forged = token("alice", net::role::admin, 600, "another secret that is 32 chars long");
  EXPECT_EQ(as(forged, http::verb::get, "/api/v1/jobs").status, 401u);
  EXPECT_EQ(call(http::verb::get, "/healthz").status, 200u);
  // A token in a URL lands in logs and histories: only the WebSocket upgrade takes one there.
  EXPECT_EQ(call(http::verb::get, "/api/v1/jobs?access_token=" + alice_).status, 401u);
}

TEST_F(auth_api_test, another_users_job_is_404_everywhere_and_absent_from_lists) {
  auto submitted = as(alice_, http::verb::post, "/api/v1/jobs", R"({"type":"sleep","params":{"items":50,"ms_per_item":20}})");
  ASSERT_EQ(submitted.status, 202u) << submitted.body;
  auto id = std::string{submitted.json().at("id").as_string()};
  EXPECT_EQ(std::string{submitted.json().at("user_id").as_string()}, "alice");
  for (const auto& suffix : {"", "/progress", "/items", "/result"})
    EXPECT_EQ(as(bob_, http::verb::get, "/api/v1/jobs/" + id + suffix).status, 404u) << suffix;
  EXPECT_EQ(as(bob_, http::verb::post, "/api/v1/jobs/" + id + "/cancel").status, 404u);
  EXPECT_EQ(as(bob_, http::verb::post, "/api/v1/jobs/" + id + "/retry").status, 404u);
  auto bobs_list = as(bob_, http::verb::get, "/api/v1/jobs?user=alice");
  ASSERT_EQ(bobs_list.status, 200u);
  EXPECT_TRUE(bobs_list.json().at("jobs").as_array().empty());
  EXPECT_EQ(as(alice_, http::verb::get, "/api/v1/jobs").json().at("jobs").as_array().size(), 1u);
  EXPECT_EQ(as(admin_, http::verb::get, "/api/v1/jobs/" + id).status, 200u);
  EXPECT_EQ(as(service_, http::verb::get, "/api/v1/jobs/" + id).status, 200u) << "service sees all jobs";
  EXPECT_EQ(as(service_, http::verb::get, "/api/v1/jobs/stalled").status, 403u) << "operations are admin only";
  EXPECT_EQ(as(alice_, http::verb::get, "/api/v1/jobs/" + id + "/progress").status, 200u);
  EXPECT_EQ(as(alice_, http::verb::post, "/api/v1/jobs/" + id + "/cancel").status, 200u);
  // Ended, the job is answered from the engine's memory (actors/finished_jobs.hpp): the same
  // rule holds there.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!node_->engine().finished->find(id, actors::now_ms()) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_NE(node_->engine().finished->find(id, actors::now_ms()), nullptr) << "the cancelled job is held";
  for (const auto& suffix : {"", "/progress"})
    EXPECT_EQ(as(bob_, http::verb::get, "/api/v1/jobs/" + id + suffix).status, 404u) << suffix;
  EXPECT_EQ(as(bob_, http::verb::post, "/api/v1/jobs/" + id + "/retry").status, 404u);
  auto alices = as(alice_, http::verb::get, "/api/v1/jobs/" + id);
  ASSERT_EQ(alices.status, 200u);
  EXPECT_EQ(std::string{alices.json().at("status").as_string()}, "cancelled");
}

TEST_F(auth_api_test, data_writes_need_admin_or_service_and_operations_need_admin) {
  auto posting = R"({"id":"p1","company":"Acme","title":"t","category":"Data","required_skills":["Go"]})";
  auto refused = as(alice_, http::verb::post, "/api/v1/postings", posting);
  EXPECT_EQ(refused.status, 403u);
  EXPECT_THAT(std::string{refused.json().at("error").at("message").as_string()}, HasSubstr("admin or service"));
  EXPECT_EQ(as(admin_, http::verb::post, "/api/v1/postings", posting).status, 200u);
  EXPECT_EQ(as(alice_, http::verb::get, "/api/v1/postings/p1").status, 200u) << "reading data needs no role";
  EXPECT_EQ(as(alice_, http::verb::get, "/api/v1/jobs/stalled").status, 403u);
  EXPECT_EQ(as(alice_, http::verb::put, "/api/v1/schedules/x", R"({"cron":"* * * * *","type":"noop"})").status, 403u);
  EXPECT_EQ(as(alice_, http::verb::post, "/api/v1/queue/pause").status, 403u);
  EXPECT_EQ(as(service_, http::verb::post, "/api/v1/queue/resume").status, 403u);
}

// Job types that write what all users share (records, stored matches, feeds, indexes) or
// remove any user's are for operators: a user's import-postings overwrote an admin's posting
// and stored a page of the server's own /metrics as a posting's detail.
TEST_F(auth_api_test, job_types_that_write_shared_data_need_admin_or_service) {
  const std::string import = R"({"type":"import-postings","params":{"urls":["http://127.0.0.1:9/x"]}})";
  auto refused = as(alice_, http::verb::post, "/api/v1/jobs", import);
  ASSERT_EQ(refused.status, 403u) << refused.body;
  EXPECT_EQ(std::string{refused.json().at("error").at("message").as_string()},
            "job type 'import-postings' needs the role admin or service; alice has role user");
  EXPECT_EQ(std::string{refused.json().at("error").at("details").at("field").as_string()}, "type");
  for (const auto* type : {"match-scores", "orphan-cleanup", "stats-reconcile", "expired-job-cleanup", "trending-postings",
                           "affinity", "feed-presort", "skill-index", "skill-relationships"})
    EXPECT_EQ(as(alice_, http::verb::post, "/api/v1/jobs", fmt::format(R"({{"type":"{}"}})", type)).status, 403u) << type;
  auto mixed = as(alice_, http::verb::post, "/api/v1/jobs", R"({"type":"noop"})" "\n" + import + "\n",
                  "application/x-ndjson");
  ASSERT_EQ(mixed.status, 202u) << mixed.body;
  EXPECT_EQ(mixed.json().at("jobs").as_array().size(), 1u);
  EXPECT_EQ(mixed.json().at("rejected").at(0).at("line").as_int64(), 2);
  EXPECT_EQ(std::string{mixed.json().at("rejected").at(0).at("field").as_string()}, "type");
  auto only = as(alice_, http::verb::post, "/api/v1/jobs", import + "\n" + import + "\n", "application/x-ndjson");
  ASSERT_EQ(only.status, 403u) << "every line refused for its type's role, as one such job alone" << only.body;
  EXPECT_EQ(std::string{only.json().at("error").at("code").as_string()}, "forbidden");
  EXPECT_EQ(only.json().at("rejected").as_array().size(), 2u);
  auto bad_and_refused = as(alice_, http::verb::post, "/api/v1/jobs", import + "\n" + R"({"type":"nope"})" "\n",
                            "application/x-ndjson");
  EXPECT_EQ(bad_and_refused.status, 400u) << "a line refused for another reason: " << bad_and_refused.body;
  auto group = as(alice_, http::verb::post, "/api/v1/job-groups/matching/enqueue", "{}");
  EXPECT_EQ(group.status, 403u) << group.body;
  EXPECT_EQ(as(service_, http::verb::post, "/api/v1/jobs", import).status, 202u);
  auto types = as(alice_, http::verb::get, "/api/v1/job-types").json().at("job_types").as_array();
  auto roles_of = [&](std::string_view name) {
    for (const auto& t : types)
      if (t.at("name").as_string() == name)
        return boost::json::serialize(t.at("roles"));
    return std::string{"(none)"};
  };
  EXPECT_EQ(roles_of("import-postings"), R"(["admin","service"])");
  EXPECT_EQ(roles_of("noop"), R"(["user","admin","service"])");
  EXPECT_EQ(roles_of("bulk-analysis"), R"(["user","admin","service"])") << "it reads and ranks, storing nothing shared";
}

// A dependency is a way to ask about a job: another user's is, to a user, no job (it was taken,
// and its end's error text reached the dependent's error_message).
TEST_F(auth_api_test, a_user_may_depend_only_on_its_own_jobs) {
  auto submitted = as(alice_, http::verb::post, "/api/v1/jobs", R"({"type":"sleep","params":{"items":50,"ms_per_item":20}})");
  ASSERT_EQ(submitted.status, 202u) << submitted.body;
  auto id = std::string{submitted.json().at("id").as_string()};
  auto on = [&](const std::string& dependency) { return R"({"type":"noop","depends_on":[")" + dependency + R"("]})"; };
  auto bobs = as(bob_, http::verb::post, "/api/v1/jobs", on(id));
  EXPECT_EQ(bobs.status, 400u) << bobs.body;
  auto nobodys = as(bob_, http::verb::post, "/api/v1/jobs", on("01M819SZZC4RY7478857NQTNXP"));
  EXPECT_EQ(nobodys.status, 400u) << nobodys.body;
  auto message_of = [](const http_reply& r) { return std::string{r.json().at("error").at("message").as_string()}; };
  auto field_of = [](const http_reply& r) { return std::string{r.json().at("error").at("details").at("field").as_string()}; };
  EXPECT_EQ(field_of(bobs), "depends_on");
  EXPECT_EQ(message_of(bobs), "no job " + id) << "the same words as for a job that does not exist";
  EXPECT_EQ(message_of(nobodys), "no job 01M819SZZC4RY7478857NQTNXP");
  auto bulk = as(bob_, http::verb::post, "/api/v1/jobs", on(id) + "\n", "application/x-ndjson");
  EXPECT_EQ(bulk.status, 400u) << bulk.body;
  EXPECT_EQ(std::string{bulk.json().at("rejected").at(0).at("message").as_string()}, "no job " + id);
  EXPECT_EQ(as(alice_, http::verb::post, "/api/v1/jobs", on(id)).status, 202u) << "her own job";
  EXPECT_EQ(as(admin_, http::verb::post, "/api/v1/jobs", on(id)).status, 202u) << "an admin sees every job";
  EXPECT_EQ(as(alice_, http::verb::post, "/api/v1/jobs/" + id + "/cancel").status, 200u);
}

TEST_F(auth_api_test, a_websocket_follows_only_what_its_caller_may_see) {
  auto bobs = as(bob_, http::verb::post, "/api/v1/jobs", R"({"type":"sleep","params":{"items":50,"ms_per_item":20}})");
  ASSERT_EQ(bobs.status, 202u);
  auto bob_job = std::string{bobs.json().at("id").as_string()};
  EXPECT_THROW(ws_client(port_, "/api/v1/ws"), std::exception) << "an upgrade without a token is refused";
  ws_client ws{port_, "/api/v1/ws?access_token=" + alice_};
  auto expect_error = [&](const std::string& topic, const std::string& code) {
    ws.send(R"({"op":"subscribe","topic":")" + topic + R"("})");
    auto frame = ws.next();
    ASSERT_TRUE(frame.has_value()) << topic;
    EXPECT_EQ(std::string{frame->at("type").as_string()}, "error") << topic;
    EXPECT_EQ(std::string{frame->at("data").at("code").as_string()}, code) << topic;
  };
  expect_error("jobs", "forbidden");
  expect_error("user:bob", "forbidden");
  expect_error("job:" + bob_job, "not_found");
  ws.send(R"({"op":"ping"})");
  auto pong = ws.next();
  ASSERT_TRUE(pong.has_value());
  EXPECT_EQ(std::string{pong->at("type").as_string()}, "pong") << "the session lives on after refusals";
  // An admin follows any job, but only one that exists, as over HTTP.
  ws_client admin{port_, "/api/v1/ws?access_token=" + admin_};
  admin.send(R"({"op":"subscribe","topic":"job:01M819SZZC4RY7478857NQTNXP"})");
  auto missing = admin.next();
  ASSERT_TRUE(missing.has_value());
  EXPECT_EQ(std::string{missing->at("type").as_string()}, "error");
  EXPECT_EQ(std::string{missing->at("data").at("code").as_string()}, "not_found");
  admin.send(R"({"op":"subscribe","topic":"job:)" + bob_job + R"("})");
  auto followed = admin.next();
  ASSERT_TRUE(followed.has_value());
  EXPECT_EQ(std::string{followed->at("type").as_string()}, "subscribed") << "bob's job, to an admin";
  EXPECT_EQ(as(bob_, http::verb::post, "/api/v1/jobs/" + bob_job + "/cancel").status, 200u);
}

namespace {

// No clock leeway, so that a token expires within a test's time.
class auth_expiry_test : public jwt_node {
protected:
  void SetUp() override {
    jwt_node::SetUp();
    settings_.auth.leeway_s = 0;
    start();
  }
};

}  // namespace

// The server keeps a token that passed (net::token_cache); kept or not, it is refused once its
// exp has passed.
TEST_F(auth_expiry_test, a_token_the_server_kept_is_refused_once_it_expires) {
  // Issued to the second: valid for 2-3 s, then refused from the second after its exp.
  auto brief = token("dana", net::role::user, 3);
  ASSERT_EQ(as(brief, http::verb::get, "/api/v1/jobs").status, 200u);
  ASSERT_EQ(as(brief, http::verb::get, "/api/v1/jobs").status, 200u);  // from the server's cache
  http_reply last;
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  do {
    last = as(brief, http::verb::get, "/api/v1/jobs");
    if (last.status != 200u)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polling, bounded above
  } while (std::chrono::steady_clock::now() < until);
  ASSERT_EQ(last.status, 401u) << "still accepted 15 s after a 3 s token was issued";
  EXPECT_THAT(std::string{last.json().at("error").at("message").as_string()}, HasSubstr("expired"));
}

// A user's own job of a type that now needs an operator (submitted before the rule, here put
// in storage's hands directly) is not run again at the user's word; an admin may.
TEST_F(auth_api_test, a_user_may_not_retry_its_own_job_of_an_operator_type) {
  actors::job_spec spec;
  spec.type = "match-scores";
  spec.params = R"({"candidate_ids":["nobody"]})";  // fails at once: no such candidate
  spec.user_id = "alice";
  std::string id;
  caf::scoped_actor self{node_->system()};
  self->request(node_->engine().supervisor, std::chrono::seconds(10), actors::submit_atom::value, spec)
      .receive([&](storage::job_record& job, bool) { id = job.id; },
               [](caf::error& e) { FAIL() << caf::to_string(e); });
  ASSERT_FALSE(id.empty());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::string status;
  while (status != "failed" && std::chrono::steady_clock::now() < deadline) {
    auto job = as(alice_, http::verb::get, "/api/v1/jobs/" + id);
    ASSERT_EQ(job.status, 200u) << job.body;
    status = std::string{job.json().at("status").as_string()};
    if (status != "failed")
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(status, "failed");
  auto refused = as(alice_, http::verb::post, "/api/v1/jobs/" + id + "/retry");
  ASSERT_EQ(refused.status, 403u) << refused.body;
  EXPECT_EQ(std::string{refused.json().at("error").at("message").as_string()},
            "job type 'match-scores' needs the role admin or service; alice has role user");
  EXPECT_EQ(as(bob_, http::verb::post, "/api/v1/jobs/" + id + "/retry").status, 404u) << "another user's job";
  EXPECT_EQ(as(admin_, http::verb::post, "/api/v1/jobs/" + id + "/retry").status, 202u);
}
