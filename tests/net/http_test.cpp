// The gateway's replies: API.md says every body is UTF-8 JSON, also when an error quotes bytes a
// request sent that are not UTF-8.
#include "net/detail/http_session.hpp"
#include "net/http.hpp"

#include <sstream>

#include <gtest/gtest.h>

using jobmesh::net::as_utf8;

TEST(as_utf8, keeps_utf8_and_replaces_each_byte_that_begins_no_sequence) {
  EXPECT_EQ(as_utf8("plain é ✓ 𝄞"), "plain é ✓ 𝄞");
  EXPECT_EQ(as_utf8(""), "");
  EXPECT_EQ(as_utf8("id \xff"), "id \xEF\xBF\xBD");
  EXPECT_EQ(as_utf8("\xC3"), "\xEF\xBF\xBD");                        // a sequence cut short at the end
  EXPECT_EQ(as_utf8("\xE2\x82x"), "\xEF\xBF\xBD\xEF\xBF\xBDx");  // and in the middle
  EXPECT_EQ(as_utf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");    // an overlong '/'
  EXPECT_EQ(as_utf8("\xED\xA0\x80x"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDx");  // a surrogate
  EXPECT_EQ(as_utf8("\xF4\x90\x80\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // past U+10FFFF
}

// A reply goes on the wire as one buffer the session writes itself (http_session.cpp): it must be
// the bytes Beast's serializer writes for the same message.
namespace {

std::string beast_bytes(const jobmesh::net::response& res) {
  std::ostringstream out;
  out << res;
  return out.str();
}

}  // namespace

TEST(write_reply, writes_the_bytes_beasts_serializer_writes) {
  using namespace jobmesh::net;
  using jobmesh::net::detail::write_reply;
  request get{http::verb::get, "/api/v1/jobs/j1", 11};
  request old{http::verb::get, "/", 10};
  std::vector<response> replies{
      json_text_response(get, http::status::ok, R"({"id":"j1","status":"queued"})"),
      error_response(get, http::status::not_found, "not_found", "no job with id j1"),
      error_response(10, http::status::payload_too_large, "payload_too_large", "too large"),
      document_response(old, "<p>posting</p>", "text/html; charset=utf-8", "default-src 'none'"),
  };
  response reasoned{http::status::ok, 11};
  reasoned.reason("Fine");
  reasoned.set("X-Empty", "");
  reasoned.body() = "body";
  reasoned.prepare_payload();
  replies.push_back(reasoned);
  std::string out;
  for (const auto& res : replies) {
    write_reply(res, true, out);
    EXPECT_EQ(out, beast_bytes(res));
    EXPECT_NE(out.find("Content-Length: " + std::to_string(res.body().size()) + "\r\n"), std::string::npos) << out;
    // A HEAD: the same header, Content-Length included, and no body.
    auto head = res;
    head.body().clear();
    write_reply(res, false, out);
    EXPECT_EQ(out, beast_bytes(head));
    EXPECT_TRUE(out.ends_with("\r\n\r\n"));
  }
  write_reply(replies[2], true, out);
  EXPECT_TRUE(out.starts_with("HTTP/1.0 413 Payload Too Large\r\n")) << out;
  write_reply(replies[4], true, out);
  EXPECT_TRUE(out.starts_with("HTTP/1.1 200 Fine\r\n")) << out;
}
