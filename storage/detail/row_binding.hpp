#pragma once
// Rows written through one prepared statement, bound once. A row is a plain struct described
// with BOOST_DESCRIBE_STRUCT whose members are named after its table's columns; the SQL's
// column lists come from the same description, so a column is named in one place.
//
// Why not soci::values (a type_conversion per record): SOCI rebuilds the values' holders, a
// map lookup and an allocation per column, at every execute: ~6 us of a 22-column posting's
// ~22 us upsert. Bound members cost nothing per execute: the statement reads them as they are.

#include <boost/describe/members.hpp>
#include <boost/mp11/algorithm.hpp>
#include <soci/soci.h>

#include <array>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace jobmesh::storage::detail {

/// A column that may be NULL (SOCI 4.0 has no std::optional binding).
struct nullable_double {
  double value = 0;
  soci::indicator ind = soci::i_null;
};

/// Whether `sql` has the named parameter `:name` (not merely one that starts with it).
inline bool names_parameter(std::string_view sql, std::string_view name) {
  auto is_word = [](char c) { return c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  for (auto at = sql.find(':'); at != std::string_view::npos; at = sql.find(':', at + 1)) {
    auto rest = sql.substr(at + 1);
    if (rest.starts_with(name) && (rest.size() == name.size() || !is_word(rest[name.size()])))
      return true;
  }
  return false;
}

template <class T>
void use_member(soci::statement& st, const char* name, T& member) {
  st.exchange(soci::use(member, name));
}

inline void use_member(soci::statement& st, const char* name, nullable_double& member) {
  st.exchange(soci::use(member.value, member.ind, name));
}

/// Binds each member of `row` that `sql` names as a parameter, by reference: `row` must outlive
/// the statement. Call between `st.alloc()` and `st.prepare(sql)`; the caller may exchange
/// further parameters of its own.
template <class Row>
void use_row(soci::statement& st, std::string_view sql, Row& row) {
  boost::mp11::mp_for_each<boost::describe::describe_members<Row, boost::describe::mod_public>>([&](auto member) {
    if (names_parameter(sql, member.name))
      use_member(st, member.name, row.*member.pointer);
  });
}

/// A statement of `sql` prepared with `row`'s members bound (see use_row).
template <class Row>
soci::statement prepare_with_row(soci::session& db, const std::string& sql, Row& row) {
  soci::statement st{db};
  st.alloc();
  use_row(st, sql, row);
  st.prepare(sql);
  st.define_and_bind();
  return st;
}

/// Binds each member of `rows[i]` as the parameter `:member_i` (see insert_rows_sql), by
/// reference: `rows` must neither move nor outlive the statement.
template <class Row>
soci::statement prepare_with_rows(soci::session& db, const std::string& sql, std::span<Row> rows) {
  soci::statement st{db};
  st.alloc();
  for (std::size_t i = 0; i < rows.size(); ++i)
    boost::mp11::mp_for_each<boost::describe::describe_members<Row, boost::describe::mod_public>>([&](auto member) {
      use_member(st, (std::string{member.name} + '_' + std::to_string(i)).c_str(), rows[i].*member.pointer);
    });
  st.prepare(sql);
  st.define_and_bind();
  return st;
}

/// "a, b, c": the row's members, in declaration order, for SELECT and INSERT lists.
template <class Row>
std::string column_list(std::string_view prefix = "") {
  std::string out;
  boost::mp11::mp_for_each<boost::describe::describe_members<Row, boost::describe::mod_public>>([&](auto member) {
    if (!out.empty())
      out += ", ";
    out += prefix;
    out += member.name;
  });
  return out;
}

/// INSERT INTO table (every member) VALUES (:every member).
template <class Row>
std::string insert_sql(std::string_view table) {
  return "INSERT INTO " + std::string{table} + " (" + column_list<Row>() + ") VALUES (" + column_list<Row>(":") + ")";
}

/// One INSERT of `rows` rows, row i's values named `:member_i`: SQLite runs it as one statement
/// (one step, one reset, one halt) where `rows` single inserts would run `rows`.
template <class Row>
std::string insert_rows_sql(std::string_view table, std::size_t rows) {
  std::string out = "INSERT INTO " + std::string{table} + " (" + column_list<Row>() + ") VALUES ";
  for (std::size_t i = 0; i < rows; ++i) {
    out += i == 0 ? "(" : ", (";
    bool first = true;
    boost::mp11::mp_for_each<boost::describe::describe_members<Row, boost::describe::mod_public>>([&](auto member) {
      out += first ? ":" : ", :";
      first = false;
      out += member.name;
      out += '_';
      out += std::to_string(i);
    });
    out += ')';
  }
  return out;
}

/// Rows written several to a statement: a statement per row costs SQLite a step, a reset and a
/// halt for every row (sqlite3VdbeHalt alone, over all the writer's statements, was ~14% of its
/// samples in perf under the jobs suite). The caller
/// fills rows through `next` and ends with `flush`; rows go in their order, 32 to a statement
/// while they come, the rest 8 to a statement and then one by one. The statements are prepared
/// on first use and kept (the session must stay the same); `reset` finalises them.
template <class Row>
class row_writer {
public:
  /// `sql(n)`: the statement that writes n rows, row i's members named `:member_i`.
  explicit row_writer(std::function<std::string(std::size_t)> sql) : sql_(std::move(sql)), rows_(k_sizes.front()) {}

  /// How many rows are filled before `next` writes them.
  static constexpr std::size_t capacity() { return k_sizes.front(); }

  /// The next row to fill (the rows filled before it are written when 32 are).
  Row& next(soci::session& db) {
    if (filled_ == rows_.size())
      flush(db);
    return rows_[filled_++];
  }

  /// Writes the rows filled and not yet written.
  void flush(soci::session& db) {
    std::size_t done = 0;
    for (std::size_t s = 0; s < k_sizes.size(); ++s)
      for (auto n = k_sizes[s]; filled_ - done >= n; done += n)
        execute(db, s, done, n);
    for (; done < filled_; ++done)
      execute(db, k_sizes.size(), done, 1);
    filled_ = 0;
  }

  /// Finalises the statements and forgets the rows filled (after a failed commit, before its
  /// rollback: nothing prepared is reused after a failure).
  void reset() {
    for (auto& st : statements_)
      st.reset();
    filled_ = 0;
  }

private:
  static constexpr std::array<std::size_t, 2> k_sizes = {32, 8};

  // Statement `s` writes rows [0, n); the rows from `first` are moved there first (swapped:
  // the rows before them were written already).
  void execute(soci::session& db, std::size_t s, std::size_t first, std::size_t n) {
    if (first != 0)
      for (std::size_t i = 0; i < n; ++i)
        std::swap(rows_[i], rows_[first + i]);
    auto& st = statements_[s];
    if (!st)
      st.emplace(prepare_with_rows(db, sql_(n), std::span<Row>{rows_.data(), n}));
    st->execute(true);
  }

  std::function<std::string(std::size_t)> sql_;
  std::vector<Row> rows_;  ///< bound by reference: sized once, never resized
  std::size_t filled_ = 0;
  std::array<std::optional<soci::statement>, k_sizes.size() + 1> statements_;  ///< 32, 8 and 1 rows
};

}  // namespace jobmesh::storage::detail
