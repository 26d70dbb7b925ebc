#include "config/settings.hpp"

#include "config/detail/binding.hpp"
#include "config/origins.hpp"

#include <charconv>
#include <fmt/format.h>
#include <simdjson.h>

extern char** environ;

namespace jobmesh::config {

namespace {

using detail::key_binding;
using detail::profile_map;
using detail::integer_map;
using detail::string_map;
using error_text = std::optional<std::string>;

const key_binding* find_key(std::string_view section, std::string_view name) {
  for (const auto& b : detail::bindings())
    if (b.info.section == section && b.info.name == name)
      return &b;
  return nullptr;
}

std::string describe_bounds(const key_info& k) {
  switch (k.kind) {
    case value_kind::integer: return fmt::format("an integer in [{}, {}]", k.min, k.max);
    case value_kind::number: return fmt::format("a number in [{}, {}]", k.min, k.max);
    case value_kind::string:
      return k.choices.empty() ? std::string{"a string"}
                               : fmt::format("one of {}", fmt::join(k.choices, ", "));
    case value_kind::string_map: return "an object of strings";
    case value_kind::integer_map: return fmt::format("an object of integers in [{}, {}]", k.min, k.max);
    case value_kind::profile_map: return "an object of profiles, each an object of numbers";
  }
  return {};
}

error_text mismatch(const key_info& k, std::string_view got) {
  return fmt::format("'{}' must be {}, got {}", dotted_name(k), describe_bounds(k), got);
}

error_text check_int(const key_info& k, std::int64_t v, std::int64_t& out) {
  if (v < k.min || v > k.max)
    return mismatch(k, std::to_string(v));
  out = v;
  return {};
}

error_text check_number(const key_info& k, double v, double& out) {
  if (!(v >= static_cast<double>(k.min) && v <= static_cast<double>(k.max)))
    return mismatch(k, fmt::format("{}", v));
  out = v;
  return {};
}

error_text check_string(const key_info& k, std::string_view v, std::string& out) {
  if (!k.choices.empty() && std::find(k.choices.begin(), k.choices.end(), v) == k.choices.end())
    return mismatch(k, fmt::format("\"{}\"", v));
  out = std::string{v};
  return {};
}

error_text read_string_map(const key_info& k, simdjson::dom::element v, string_map& out) {
  simdjson::dom::object obj;
  if (v.get_object().get(obj))
    return mismatch(k, simdjson::minify(v));
  for (auto [key, value] : obj) {
    std::string_view text;
    if (value.get_string().get(text))
      return fmt::format("'{}.{}' must be a string, got {}", dotted_name(k), key, simdjson::minify(value));
    out[std::string{key}] = std::string{text};
  }
  return {};
}

error_text read_integer_map(const key_info& k, simdjson::dom::element v, integer_map& out) {
  simdjson::dom::object obj;
  if (v.get_object().get(obj))
    return mismatch(k, simdjson::minify(v));
  for (auto [key, value] : obj) {
    std::int64_t n = 0;
    if (value.get_int64().get(n) || n < k.min || n > k.max)
      return fmt::format("'{}.{}' must be an integer in [{}, {}], got {}", dotted_name(k), key, k.min, k.max,
                         simdjson::minify(value));
    out[std::string{key}] = n;
  }
  return {};
}

error_text read_profile_map(const key_info& k, simdjson::dom::element v, profile_map& out) {
  simdjson::dom::object obj;
  if (v.get_object().get(obj))
    return mismatch(k, simdjson::minify(v));
  for (auto [name, weights] : obj) {
    simdjson::dom::object wobj;
    if (weights.get_object().get(wobj))
      return fmt::format("'{}.{}' must be an object of factor weights, got {}", dotted_name(k), name,
                         simdjson::minify(weights));
    auto& profile = out[std::string{name}];
    for (auto [factor, weight] : wobj) {
      double w = 0;
      if (weight.get_double().get(w))
        return fmt::format("'{}.{}.{}' must be a number, got {}", dotted_name(k), name, factor,
                           simdjson::minify(weight));
      profile[std::string{factor}] = w;
    }
  }
  return {};
}

error_text assign_json(settings& s, const key_binding& b, simdjson::dom::element v) {
  const auto& k = b.info;
  return std::visit(
      [&](auto field) -> error_text {
        auto& target = field(s);
        using target_t = std::decay_t<decltype(target)>;
        if constexpr (std::is_same_v<target_t, std::int64_t>) {
          std::int64_t n = 0;
          if (v.get_int64().get(n))
            return mismatch(k, simdjson::minify(v));
          return check_int(k, n, target);
        } else if constexpr (std::is_same_v<target_t, double>) {
          double x = 0;
          if (v.get_double().get(x))
            return mismatch(k, simdjson::minify(v));
          return check_number(k, x, target);
        } else if constexpr (std::is_same_v<target_t, std::string>) {
          std::string_view text;
          if (v.get_string().get(text))
            return mismatch(k, simdjson::minify(v));
          return check_string(k, text, target);
        } else if constexpr (std::is_same_v<target_t, string_map>) {
          return read_string_map(k, v, target);
        } else if constexpr (std::is_same_v<target_t, integer_map>) {
          return read_integer_map(k, v, target);
        } else {
          return read_profile_map(k, v, target);
        }
      },
      b.field);
}

// Environment variables and flags are text; maps among them are JSON text.
error_text assign_text(settings& s, const key_binding& b, std::string_view text) {
  const auto& k = b.info;
  if (k.kind == value_kind::string)
    return check_string(k, text, std::get<std::string& (*)(settings&)>(b.field)(s));
  if (k.kind == value_kind::integer) {
    std::int64_t n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || end != text.data() + text.size())
      return mismatch(k, fmt::format("\"{}\"", text));
    return check_int(k, n, std::get<std::int64_t& (*)(settings&)>(b.field)(s));
  }
  if (k.kind == value_kind::number) {
    double x = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), x);
    if (ec != std::errc{} || end != text.data() + text.size())
      return mismatch(k, fmt::format("\"{}\"", text));
    return check_number(k, x, std::get<double& (*)(settings&)>(b.field)(s));
  }
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(simdjson::padded_string{text}).get(doc))
    return mismatch(k, fmt::format("\"{}\" (not JSON)", text));
  return assign_json(s, b, doc);
}

void load_file(settings& s, const std::string& path, std::vector<std::string>& errors) {
  simdjson::padded_string text;
  if (auto err = simdjson::padded_string::load(path).get(text)) {
    errors.push_back(fmt::format("config file {}: cannot read: {}", path, simdjson::error_message(err)));
    return;
  }
  simdjson::dom::parser parser;
  simdjson::dom::object root;
  if (auto err = parser.parse(text).get_object().get(root)) {
    errors.push_back(fmt::format("config file {}: not a JSON object: {}", path, simdjson::error_message(err)));
    return;
  }
  for (auto [section, body] : root) {
    simdjson::dom::object keys;
    if (body.get_object().get(keys)) {
      errors.push_back(fmt::format("config file {}: section '{}' must be an object", path, section));
      continue;
    }
    for (auto [name, value] : keys) {
      const auto* b = find_key(section, name);
      if (b == nullptr)
        errors.push_back(fmt::format("config file {}: unknown key '{}.{}'", path, section, name));
      else if (auto e = assign_json(s, *b, value))
        errors.push_back(fmt::format("config file {}: {}", path, *e));
    }
  }
}

// A variable under a known section's prefix that names no key is a typo worth reporting;
// other JOBMESH_* variables (JOBMESH_BIN for tests, say) are not configuration.
bool names_known_section(std::string_view variable) {
  for (const auto& b : detail::bindings()) {
    auto prefix = environment_name(b.info);
    prefix.resize(prefix.size() - b.info.name.size());
    if (variable.starts_with(prefix))
      return true;
  }
  return false;
}

void load_environment(settings& s, const std::map<std::string, std::string>& env,
                      std::vector<std::string>& errors) {
  for (const auto& [variable, text] : env) {
    const key_binding* match = nullptr;
    for (const auto& b : detail::bindings())
      if (environment_name(b.info) == variable)
        match = &b;
    if (match == nullptr) {
      if (names_known_section(variable))
        errors.push_back(fmt::format("environment {}: unknown config key", variable));
    } else if (auto e = assign_text(s, *match, text)) {
      errors.push_back(fmt::format("environment {}: {}", variable, *e));
    }
  }
}

void load_overrides(settings& s, const sources& from, std::vector<std::string>& errors) {
  for (const auto& [dotted, text] : from.overrides) {
    auto dot = dotted.find('.');
    const auto* b = dot == std::string::npos
                        ? nullptr
                        : find_key(std::string_view{dotted}.substr(0, dot), std::string_view{dotted}.substr(dot + 1));
    if (b == nullptr)
      errors.push_back(fmt::format("flag: unknown config key '{}'", dotted));
    else if (auto e = assign_text(s, *b, text))
      errors.push_back(fmt::format("flag: {}", *e));
  }
}

// Rules that span keys or that bounds alone cannot say.
void validate(const settings& s, std::vector<std::string>& errors) {
  const auto& db = s.storage.db;
  if (!db.starts_with("sqlite:") && !db.starts_with("postgresql://") && !db.starts_with("postgres://"))
    errors.push_back(fmt::format("'storage.db' must start with sqlite: or postgresql://, got \"{}\"", db));
  if (db == "sqlite:")
    errors.push_back("'storage.db' names no file: use sqlite:PATH");
  if (s.auth.mode == "jwt" && s.auth.secret.size() < auth_settings::k_min_secret_length)
    errors.push_back(fmt::format("'auth.secret' must be at least {} characters when auth.mode is jwt",
                                 auth_settings::k_min_secret_length));
  if (s.jobs.retry_max_ms < s.jobs.retry_base_ms)
    errors.push_back("'jobs.retry_max_ms' must be at least 'jobs.retry_base_ms'");
  if (s.server.host.empty())
    errors.push_back("'server.host' must not be empty");
  if (s.activity.half_life_days <= 0)
    errors.push_back("'activity.half_life_days' must be more than 0");
  if (s.activity.saturation <= 0)
    errors.push_back("'activity.saturation' must be more than 0");
  if (std::string problem; !parse_origins(s.server.allowed_origins, &problem))
    errors.push_back(fmt::format("'server.allowed_origins': {}", problem));
}

}  // namespace

load_result load(const sources& from) {
  load_result out;
  if (from.file)
    load_file(out.values, *from.file, out.errors);
  load_environment(out.values, from.environment, out.errors);
  load_overrides(out.values, from, out.errors);
  validate(out.values, out.errors);
  return out;
}

std::map<std::string, std::string> current_environment() {
  std::map<std::string, std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry{*e};
    auto eq = entry.find('=');
    if (entry.starts_with("JOBMESH_") && eq != std::string_view::npos)
      out.emplace(entry.substr(0, eq), entry.substr(eq + 1));
  }
  return out;
}

}  // namespace jobmesh::config
