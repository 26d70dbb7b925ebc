// The gateway's replies: API.md says every body is UTF-8 JSON, also when an error quotes bytes a
// request sent that are not UTF-8.
#include "net/http.hpp"

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
