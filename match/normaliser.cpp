#include "match/normaliser.hpp"

#include <algorithm>

namespace jobmesh::match {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::vector<std::string> sorted_unique(std::vector<std::string> words) {
  std::erase(words, std::string{});
  std::sort(words.begin(), words.end());
  words.erase(std::unique(words.begin(), words.end()), words.end());
  return words;
}

}  // namespace

const std::map<std::string, std::string>& default_synonyms() {
  static const std::map<std::string, std::string> table{
      {"js", "javascript"}, {"ts", "typescript"}, {"k8s", "kubernetes"},
      {"postgres", "postgresql"}, {"golang", "go"}, {"ml", "machine learning"},
  };
  return table;
}

std::string normalise_word(std::string_view word) {
  std::string out;
  out.reserve(word.size());
  bool pending_space = false;
  for (char c : word) {
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space)
      out.push_back(' ');
    pending_space = false;
    out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return out;
}

normaliser::normaliser(const std::map<std::string, std::string>& extra) {
  for (const auto& [from, to] : default_synonyms())
    synonyms_[from] = to;
  for (const auto& [from, to] : extra)
    synonyms_[normalise_word(from)] = normalise_word(to);
}

std::string normaliser::term(std::string_view word) const {
  auto w = normalise_word(word);
  auto it = synonyms_.find(w);
  return it == synonyms_.end() ? w : it->second;
}

std::vector<std::string> normaliser::term_set(const std::vector<std::string>& words) const {
  std::vector<std::string> out;
  out.reserve(words.size());
  for (const auto& w : words)
    out.push_back(term(w));
  return sorted_unique(std::move(out));
}

std::vector<std::string> normaliser::word_set(const std::vector<std::string>& words) const {
  std::vector<std::string> out;
  out.reserve(words.size());
  for (const auto& w : words)
    out.push_back(normalise_word(w));
  return sorted_unique(std::move(out));
}

}  // namespace jobmesh::match
