#pragma once
// The kernel's structure-of-arrays layout: one array per field and side; words interned to
// small integers (0 means the empty word); both sides' skills as lists of ids, candidates'
// preferred categories as bitsets.

#include "match/detail/text_hash.hpp"
#include "match/prepared.hpp"

#include <array>
#include <boost/unordered/unordered_flat_map.hpp>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace jobmesh::match::detail {

/// Words to dense ids; id 0 is the empty word. A pooled word (match/word.hpp) is looked up by
/// its number in a table, without reading its text; a company (a string) by its text.
class interner {
public:
  interner() { ids_.emplace("", 0); }
  std::uint32_t id(std::string_view text) {
    if (auto it = ids_.find(text); it != ids_.end())  // most words were seen before: no copy
      return it->second;
    auto id = static_cast<std::uint32_t>(ids_.size());
    ids_.emplace(text, id);
    return id;
  }
  std::uint32_t id(word w) {
    if (w.id() >= by_word_.size())
      by_word_.resize(w.id() + 1, k_unknown);
    auto& known = by_word_[w.id()];
    if (known == k_unknown)
      known = id(w.view());
    return known;
  }
  /// The id of a word seen before; `k_unknown` for any other non-empty word.
  std::uint32_t find(std::string_view text) const {
    auto it = ids_.find(text);
    return it != ids_.end() ? it->second : k_unknown;
  }
  std::uint32_t find(word w) const {
    if (w.id() < by_word_.size() && by_word_[w.id()] != k_unknown)
      return by_word_[w.id()];
    return find(w.view());  // perhaps added as text
  }
  std::size_t size() const { return ids_.size(); }

  /// Equal to no stored id, and past the end of every bitset.
  static constexpr std::uint32_t k_unknown = 0xFFFF'FFFFu;

private:
  // Looked up by view (a company is a view into its record), without building a string.
  boost::unordered_flat_map<std::string, std::uint32_t, text_hash, text_equal> ids_;
  /// Each pooled word's id by its number (k_unknown: not met as a word): as long as the
  /// largest number met, which the pool keeps dense.
  std::vector<std::uint32_t> by_word_;
};

/// Postings are stored sorted by category (stable), so a category is one contiguous range.
struct posting_columns {
  std::vector<std::uint32_t> physical_of_input;  ///< input position -> stored position
  std::vector<std::uint32_t> input_of_physical;  ///< stored position -> input position
  std::vector<std::string> ids;
  std::vector<std::uint32_t> id_rank;  ///< position in byte order of ids (ties break on it)
  std::vector<std::uint32_t> by_id;    ///< stored positions in byte order of their ids (build_index only)
  std::vector<std::uint8_t> retired;   ///< 1: no longer a target (build_index only; see batch_matcher)
  std::vector<std::uint32_t> company, category, industry, subcategory, country, city;
  std::vector<std::uint8_t> remote, has_coordinates;
  std::vector<std::array<double, 3>> unit;  ///< unit vector (zero when no coordinates)
  std::vector<double> lat, lon;
  std::vector<std::uint32_t> skill_count;
  /// Each posting's skill ids, posting after posting in stored order: posting i's are
  /// skill_ids[skill_begin[i], skill_begin[i + 1]) (words the index never saw left out). A
  /// list, not a bitset over the vocabulary: a posting requires a dozen skills of thousands,
  /// and a bitset took vocabulary / 8 bytes a posting (~1.6 KB for 13,000 skills).
  std::vector<std::uint32_t> skill_begin;
  std::vector<std::uint32_t> skill_ids;
  /// The posting's skills among its category's `category_skills` (bit k = the k-th of them):
  /// what a query's first pass reads instead of the whole list (see kernel_index).
  std::vector<std::uint64_t> local_skills;
  /// What the exact factors of a posting read besides its skills, side by side: a posting
  /// whose bound passes costs one cache line here, not one per column (`category` and
  /// `id_rank` are also columns, which building and the first pass read).
  struct terms_row {
    double level = 0, min_years = 0, salary_max = 0;
    std::uint32_t category = 0;
    std::uint32_t id_rank = 0;
  };
  std::vector<terms_row> terms;
  /// What a scan's first pass reads of every posting of a category (with `local_skills`),
  /// narrow: 13 bytes a posting under `fit`, where four-byte counts and reciprocals and the
  /// retired flag made it 22. A query waits on these columns coming from
  /// memory (the same scans over columns already in the cache took half the time). Each
  /// narrow value is rounded only toward a higher bound.
  std::vector<std::uint8_t> level_code;
  /// The skill count, k_many_skills for that many or more.
  std::vector<std::uint8_t> narrow_skill_count;
  /// min_years in half years, rounded down; 255 for that many or more.
  std::vector<std::uint8_t> min_half_years;
  /// The high half of the float 1 / salary_max (0 where salary_max is 0): the reciprocal
  /// rounded toward 0 to 8 bits of mantissa, so a salary factor at least the posting's (in
  /// generated data it passed no more postings to the exact scores than the whole float).
  std::vector<std::uint16_t> inv_salary_max_high;
  static constexpr std::uint8_t k_many_skills = 255;
  std::vector<std::uint8_t> mode, employment;
};

struct candidate_columns {
  std::vector<std::string> ids;
  std::vector<std::uint32_t> id_rank;
  std::vector<std::uint32_t> by_id;   ///< as for postings
  std::vector<std::uint8_t> retired;  ///< as for postings
  std::vector<std::uint32_t> industry, subcategory, country, city;
  std::vector<std::uint8_t> has_coordinates;
  std::vector<std::array<double, 3>> unit;
  std::vector<double> lat, lon, max_distance_km;
  std::vector<std::uint32_t> skill_count;
  /// Each candidate's skill ids, as postings' (skill_begin, skill_ids): a list, where a bitset
  /// over the skill vocabulary took vocabulary / 8 bytes a candidate (~1.6 KB for 13,000
  /// skills). A scan tests a target's list in its source's skills, set as bits for the scan
  /// (scan_buffers::source_skills).
  std::vector<std::uint32_t> skill_begin;
  std::vector<std::uint32_t> skill_ids;
  std::vector<std::uint64_t> category_bits;  ///< category_words per candidate (preferred)
  std::vector<double> level, years, expected_salary;
  std::vector<double> activity, rating, track_record;  ///< candidate-only factors, precomputed
};

/// One interner per kind of word; skills are shared by both sides.
struct interners {
  interner company, category, industry, subcategory, country, city, skill;
};

struct kernel_index {
  interners words;  ///< kept, to encode sources from outside the index
  posting_columns p;
  candidate_columns c;
  std::size_t skill_words = 1;
  std::size_t category_words = 1;
  std::size_t company_count = 1;
  /// Stored postings [first, second) are those of category k (empty range when none).
  std::vector<std::pair<std::uint32_t, std::uint32_t>> category_range;
  /// Per category, the (at most 64) skills most often required by its postings, most often
  /// first, as skill ids. A scan's first pass bounds the skills in common of a candidate and a
  /// posting by one AND of their bits among these plus the fewer of either side's other
  /// skills: 8 bytes a posting to read instead of the whole list, exact when either side has
  /// no other skill (in generated data 64 skills cover ~96% of a category's requirements).
  std::vector<std::vector<std::uint32_t>> category_skills;
};

/// The records are read while building, not kept.
kernel_index build_index(std::span<const prepared_posting* const> postings,
                         std::span<const prepared_candidate* const> candidates);

/// One record from outside `x` in `x`'s layout and word ids: words `x` never saw get
/// `interner::k_unknown` (they equal nothing stored), skills still count in the set sizes.
candidate_columns encode(const kernel_index& x, const prepared_candidate& c);
posting_columns encode(const kernel_index& x, const prepared_posting& p);

}  // namespace jobmesh::match::detail
