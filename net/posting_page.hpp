#pragma once
/// A posting as a web page: what `GET /api/v1/postings/{id}` answers a client that asks for
/// HTML rather than JSON (a browser, or `import-postings` fetching a posting's detail page).
/// It shows what a job board shows of a posting, from the stored record's fields, every text
/// escaped; the imported `detail` and unknown fields are left out (the page is the posting,
/// not what was stored beside it: a detail imported from this page holds no earlier detail).

#include <boost/json/object.hpp>

#include <string>
#include <string_view>

namespace jobmesh::net {

/// Whether an Accept header asks for HTML ahead of JSON: text/html (or application/xhtml+xml)
/// at a higher quality than application/json, which counts `*/*` for an unnamed JSON. No
/// header, or `*/*` alone, is JSON.
bool prefers_html(std::string_view accept);

/// The page: a UTF-8 HTML document of the posting `record` (as the marketplace stores it).
std::string posting_page(const boost::json::object& record);

/// The headers a page needs beside its type: it runs nothing and loads nothing.
inline constexpr std::string_view k_page_security_policy = "default-src 'none'; style-src 'unsafe-inline'";

}  // namespace jobmesh::net
