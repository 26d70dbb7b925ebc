#include "app/node.hpp"

#include "actors/engine.hpp"
#include "actors/messages.hpp"
#include "net/api.hpp"
#include "net/http_fetch.hpp"
#include "net/server.hpp"
#include "match/generator.hpp"
#include "storage/database.hpp"
#include "storage/database_lock.hpp"
#include "storage/record_repository.hpp"

#include <caf/all.hpp>
#include <fmt/format.h>
#include <soci/soci.h>
#include <spdlog/spdlog.h>

#include <sstream>
#include <thread>

namespace jobmesh::app {

namespace {

std::unique_ptr<caf::actor_system_config> make_actor_config(const config::settings& s) {
  auto cfg = std::make_unique<caf::actor_system_config>();
  actors::add_message_types(*cfg);
  // CAF 0.17's own default is max(4, cores): on two cores that is two workers more than cores.
  auto threads = s.actors.scheduler_threads > 0 ? static_cast<std::size_t>(s.actors.scheduler_threads)
                                                : std::max(1u, std::thread::hardware_concurrency());
  cfg->set("scheduler.max-threads", threads);
  // Sharing (the default) keeps one queue, and an idle worker waits on its condition variable
  // until work comes; work stealing (CAF's default) has an idle worker poll the others, sleeping
  // 50 us between tries for a while. Those sleeps cost the server more than they saved on two
  // paravirtualised cores: with sharing, interleaved runs took ~15% less server CPU a single
  // submit (+15% submits/s), ~20% more ws deliveries/s at less CPU, the same jobs/s and http
  // rate, ~4% fewer closed-loop live queries/s (bench/HISTORY.md, stop 48).
  cfg->set("scheduler.policy", s.actors.scheduler_policy == "stealing" ? caf::atom("stealing") : caf::atom("sharing"));
  return cfg;
}

}  // namespace

struct node::impl {
  config::settings settings;
  std::unique_ptr<caf::actor_system_config> actor_config;
  std::unique_ptr<caf::actor_system> sys;
  actors::engine engine;
  std::unique_ptr<net::server> server;
  std::unique_ptr<storage::database_lock> lock;  ///< held from before recovery until the end
  std::shared_ptr<net::demo_status> demo = std::make_shared<net::demo_status>();
  bool running = false;
  std::uint16_t port = 0;  ///< the server's, once started
};

node::node(config::settings settings) : impl_(std::make_unique<impl>()) {
  impl_->settings = std::move(settings);
}

namespace {

// `import-postings` fetches through Beast's client with the configured limits; `auth_mode`
// decides imports.private_addresses' "auto".
actors::page_fetcher import_fetcher(std::string auth_mode) {
  return [auth_mode](const std::string& url, const std::string& accept, const config::imports_settings& imports) {
    net::fetch_limits limits;
    limits.connect_timeout = std::chrono::milliseconds(imports.connect_timeout_ms);
    limits.read_timeout = std::chrono::milliseconds(imports.read_timeout_ms);
    limits.max_body_bytes = static_cast<std::size_t>(imports.max_body_bytes);
    limits.max_redirects = 3;
    limits.refuse_private_addresses = imports.refuses_private_addresses(auth_mode);
    limits.accept = accept;
    auto r = net::http_get(url, limits);
    return actors::fetched_page{r.ok, r.status, std::move(r.body), std::move(r.content_type), std::move(r.final_url),
                                std::move(r.error), r.permanent};
  };
}

}  // namespace

node::~node() {
  stop();
}

std::uint16_t node::start(bool demo) {
  auto& im = *impl_;
  im.demo->loading = demo;
  const auto& s = im.settings;
  // Before anything opens the database: a second process on the same file changes nothing.
  im.lock = storage::database_lock::acquire(s.storage.db);
  storage::open_options db_options{static_cast<int>(s.storage.busy_timeout_ms)};
  auto write_options = db_options;
  write_options.cache_kib = storage::k_writer_cache_kib;
  std::shared_ptr<soci::session> write_db = storage::open_and_migrate(s.storage.db, write_options);
  std::shared_ptr<soci::session> read_db = storage::open(s.storage.db, db_options);
  im.actor_config = make_actor_config(s);
  im.sys = std::make_unique<caf::actor_system>(*im.actor_config);
  im.engine = actors::start_engine(*im.sys, s, std::move(write_db), std::move(read_db), nullptr, import_fetcher(s.auth.mode));
  im.running = true;
  auto ctx = std::make_shared<net::api_context>();
  ctx->sys = im.sys.get();
  ctx->engine = im.engine;
  ctx->settings = s;
  ctx->limits = std::make_shared<net::rate_limiter>(s.limits);
  ctx->bridge = std::make_shared<net::actor_bridge>(*im.sys, std::max<std::size_t>(2, im.sys->scheduler().num_workers()));
  ctx->submits = std::make_shared<net::submit_lane>(ctx->bridge, im.engine.supervisor, ctx->request_timeout());
  ctx->demo = im.demo;
  im.server = std::make_unique<net::server>(std::move(ctx));
  try {
    im.port = im.server->start();
    return im.port;
  } catch (...) {
    stop();  // the actors must not outlive a failed start, or the actor system waits forever
    throw;
  }
}

namespace {

constexpr std::size_t k_ingest_chunk_lines = 5'000;

// The demo's postings as `generate` wrote them, each given a `url`: its own page on this
// server, so that `import-postings` with a `candidate_id` has detail pages to fetch. Line i
// holds posting i, whose id is `p` and i + 1 in seven digits (match/generator.hpp).
std::string with_own_urls(const std::string& ndjson, const std::string& base) {
  std::string out;
  out.reserve(ndjson.size() + ndjson.size() / 8);
  std::size_t pos = 0, index = 0;
  while (pos < ndjson.size()) {
    auto end = std::min(ndjson.find('\n', pos), ndjson.size());
    auto close = ndjson.rfind('}', end);
    if (close == std::string::npos || close < pos)
      throw std::logic_error("demo: a generated posting is not a JSON object");
    out.append(ndjson, pos, close - pos);
    out += fmt::format(R"(,"url":"{}/api/v1/postings/p{:07}")", base, ++index);
    out.append(ndjson, close, end - close);
    out += '\n';
    pos = end + 1;
  }
  return out;
}

// How a client on this machine reaches the server: http://host:port, an IPv6 host in brackets,
// a wildcard address (listening on every interface) as loopback.
std::string own_base_url(std::string host, std::uint16_t port) {
  if (host == "0.0.0.0")
    host = "127.0.0.1";
  else if (host == "::" || host == "[::]")
    host = "::1";
  if (host.find(':') != std::string::npos && !host.starts_with('['))
    host = "[" + host + "]";
  return fmt::format("http://{}:{}", host, port);
}

}  // namespace

void node::ingest(storage::record_kind kind, const std::string& ndjson,
                  const std::function<void(std::size_t)>& progress) {
  caf::scoped_actor self{*impl_->sys};
  std::size_t done = 0, pos = 0;
  while (pos < ndjson.size()) {
    auto end = pos;
    for (std::size_t n = 0; n < k_ingest_chunk_lines && end < ndjson.size(); ++n)
      end = std::min(ndjson.find('\n', end), ndjson.size()) + 1;
    auto chunk = ndjson.substr(pos, end - pos);
    pos = end;
    std::string problem;
    self->request(impl_->engine.marketplace, std::chrono::minutes(5), actors::ingest_atom::value, kind,
                  std::move(chunk))
        .receive(
            [&](actors::ingest_reply& reply) {
              if (!reply.rejected.empty())
                problem = "a record broke a rule: " + reply.rejected.front().message;
              done += static_cast<std::size_t>(reply.accepted);
            },
            [&](caf::error& e) { problem = "ingest failed: " + caf::to_string(e); });
    if (!problem.empty())
      throw std::runtime_error(problem);
    progress(done);
  }
}

caf::actor_system& node::system() {
  return *impl_->sys;
}

const actors::engine& node::engine() const {
  return impl_->engine;
}

void node::load_demo() {
  auto& im = *impl_;
  const auto& demo = im.settings.demo;
  // Ready when this ends, however it ends (a failed load is logged by the caller; what was
  // stored stays and is served).
  struct loaded {
    net::demo_status& status;
    ~loaded() { status.loading = false; }
  } done{*im.demo};
  im.demo->loading = true;
  {
    auto db = storage::open(im.settings.storage.db);
    auto postings = storage::count_records(*db, storage::record_kind::posting);
    auto candidates = storage::count_records(*db, storage::record_kind::candidate);
    if (postings > 0 || candidates > 0) {
      spdlog::info("demo: the database holds {} postings and {} candidates; nothing generated", postings, candidates);
      return;
    }
  }
  spdlog::info("demo: generating {} postings and {} candidates (seed {})", demo.postings, demo.candidates, demo.seed);
  im.demo->total = static_cast<std::uint64_t>(demo.postings + demo.candidates);
  std::ostringstream postings, candidates;
  match::generate({static_cast<std::size_t>(demo.postings), static_cast<std::size_t>(demo.candidates),
                   static_cast<std::uint64_t>(demo.seed)},
                  postings, candidates);
  auto postings_text = with_own_urls(postings.str(), own_base_url(im.settings.server.host, im.port));
  for (auto [kind, text, total] : {std::tuple{storage::record_kind::posting, std::move(postings_text), demo.postings},
                                    std::tuple{storage::record_kind::candidate, candidates.str(), demo.candidates}}) {
    std::uint64_t before = im.demo->stored;
    ingest(kind, text, [&, kind = kind, total = total](std::size_t done) {
      im.demo->stored = before + done;
      spdlog::info("demo: {} {}/{}", storage::table_of(kind), done, total);
    });
  }
  spdlog::info("demo: ready, {} postings and {} candidates stored", demo.postings, demo.candidates);
}

void node::stop() {
  auto& im = *impl_;
  if (!im.running)
    return;
  im.running = false;
  // The shutdown rule: no actor holds anything of Asio's but sessions' outlets and weak pointers
  // to sessions (net/detail/io_gate.hpp); an outlet lets go of its executor when its session ends,
  // inside the network world. So an actor may be destroyed on any thread, before or after the
  // io_context, and touch nothing freed. The order that follows from it:
  // 1. the server closes its gate (no more posts) and joins its threads (the io_context stays);
  // 2. the engine's actors stop and are awaited;
  // 3. the server is destroyed: its io_context destroys every session, and each WebSocket
  //    session tells its bridge actor to exit, which needs the actor system still alive;
  // 4. only then the actor system.
  im.server->stop();
  {
    // A graceful stop hands running jobs back to the queue before the engine stops; the
    // supervisor answers by jobs.drain_timeout_s (the extra second is for its answer).
    caf::scoped_actor self{*im.sys};
    self->request(im.engine.supervisor, std::chrono::seconds(im.settings.jobs.drain_timeout_s + 1),
                  actors::drain_atom::value)
        .receive(
            [](std::int64_t left) {
              if (left == 0)
                spdlog::info("jobmesh: every running job is back in the queue");
            },
            [](caf::error& e) { spdlog::warn("jobmesh: graceful stop: {}", caf::to_string(e)); });
  }
  actors::stop_engine(im.engine);
  im.engine = {};
  im.sys->await_all_actors_done();
  im.server.reset();
  im.sys.reset();
  im.lock.reset();
}

void setup_logging(const std::string& level) {
  spdlog::set_level(spdlog::level::from_str(level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
}

}  // namespace jobmesh::app
