// A posting as a web page (net/posting_page.hpp): who gets HTML, and what the page shows and
// leaves out, every text escaped.
#include "net/posting_page.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

using namespace jobmesh::net;

TEST(posting_page, html_only_for_a_client_that_asks_for_it_ahead_of_json) {
  EXPECT_TRUE(prefers_html("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"));  // a browser
  EXPECT_TRUE(prefers_html("text/html, application/xhtml+xml;q=0.9, */*;q=0.8"));                 // import-postings
  EXPECT_TRUE(prefers_html("application/xhtml+xml"));
  EXPECT_TRUE(prefers_html("TEXT/HTML; q=0.5, application/json; q=0.4"));
  EXPECT_FALSE(prefers_html(""));
  EXPECT_FALSE(prefers_html("*/*"));                                        // curl
  EXPECT_FALSE(prefers_html("application/json"));
  EXPECT_FALSE(prefers_html("application/json, text/html"));                // a tie is JSON
  EXPECT_FALSE(prefers_html("application/x-ndjson, application/json;q=0.9, */*;q=0.5"));  // records
  EXPECT_FALSE(prefers_html("text/html;q=0, */*"));
  EXPECT_FALSE(prefers_html("text/html;q=0.5, */*"));
  EXPECT_FALSE(prefers_html("text/html;q=bogus"));
}

TEST(posting_page, shows_the_posting_escaped_and_leaves_out_detail_and_unknown_fields) {
  auto record = boost::json::parse(R"({
    "id": "p7", "company": "Acme & Sons", "title": "<script>alert(1)</script> Engineer",
    "category": "Data", "industry": "Technology", "subcategory": "Streaming",
    "country": "Canada", "city": "Toronto", "work_mode": "hybrid", "employment_type": "full_time",
    "required_skills": ["sql", "o'reilly \"tools\""], "certifications": [],
    "salary_min": 50000, "salary_max": 0, "experience_level": "senior", "min_years": 6,
    "posted_date": "2026-11-01", "internal_note": "not for the page",
    "detail": {"status": 200, "body": "an earlier page"}})").as_object();
  auto page = posting_page(record);
  EXPECT_EQ(page.find("<script>"), std::string::npos) << page;
  EXPECT_NE(page.find("<h1>&lt;script&gt;alert(1)&lt;/script&gt; Engineer</h1>"), std::string::npos) << page;
  EXPECT_NE(page.find("<p class=\"company\">Acme &amp; Sons</p>"), std::string::npos) << page;
  EXPECT_NE(page.find("<dt>Location</dt><dd>Toronto, Canada</dd>"), std::string::npos) << page;
  EXPECT_NE(page.find("<dt>Employment</dt><dd>full time</dd>"), std::string::npos) << page;
  EXPECT_NE(page.find("<dt>Industry</dt><dd>Technology, Streaming</dd>"), std::string::npos) << page;
  EXPECT_NE(page.find("<dt>Years of experience</dt><dd>at least 6</dd>"), std::string::npos) << page;
  EXPECT_NE(page.find("<dt>Salary</dt><dd>from 50000</dd>"), std::string::npos) << page;
  EXPECT_NE(page.find("<li>o&#39;reilly &quot;tools&quot;</li>"), std::string::npos) << page;
  EXPECT_EQ(page.find("Certifications"), std::string::npos) << page;  // an empty list has no heading
  EXPECT_EQ(page.find("Apply by"), std::string::npos) << page;        // no deadline given
  EXPECT_EQ(page.find("not for the page"), std::string::npos) << page;
  EXPECT_EQ(page.find("an earlier page"), std::string::npos) << page;
  EXPECT_NE(page.find("<p class=\"id\">Posting p7</p>"), std::string::npos) << page;
}
