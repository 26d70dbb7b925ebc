// Cities of several continents weighted by population, with the pay level of their country;
// the parts of company and people's names.
#include "match/detail/generator_tables.hpp"

namespace jobmesh::match::detail {

const std::vector<city>& cities() {
  static const std::vector<city> all{
      {"Berlin", "Germany", 52.5200, 13.4050, 3.7, 1.0},
      {"Munich", "Germany", 48.1351, 11.5820, 1.5, 1.0},
      {"Hamburg", "Germany", 53.5511, 9.9937, 1.9, 1.0},
      {"Frankfurt", "Germany", 50.1109, 8.6821, 0.8, 1.0},
      {"Cologne", "Germany", 50.9375, 6.9603, 1.1, 1.0},
      {"Paris", "France", 48.8566, 2.3522, 2.1, 0.95},
      {"Lyon", "France", 45.7640, 4.8357, 0.5, 0.95},
      {"Marseille", "France", 43.2965, 5.3698, 0.9, 0.95},
      {"London", "United Kingdom", 51.5074, -0.1278, 8.9, 1.05},
      {"Manchester", "United Kingdom", 53.4808, -2.2426, 0.55, 1.05},
      {"Edinburgh", "United Kingdom", 55.9533, -3.1883, 0.5, 1.05},
      {"Amsterdam", "Netherlands", 52.3676, 4.9041, 0.9, 1.0},
      {"Rotterdam", "Netherlands", 51.9244, 4.4777, 0.65, 1.0},
      {"Madrid", "Spain", 40.4168, -3.7038, 3.3, 0.75},
      {"Barcelona", "Spain", 41.3874, 2.1686, 1.6, 0.75},
      {"Valencia", "Spain", 39.4699, -0.3763, 0.8, 0.75},
      {"Milan", "Italy", 45.4642, 9.1900, 1.4, 0.8},
      {"Rome", "Italy", 41.9028, 12.4964, 2.8, 0.8},
      {"Warsaw", "Poland", 52.2297, 21.0122, 1.8, 0.55},
      {"Krakow", "Poland", 50.0647, 19.9450, 0.8, 0.55},
      {"Vienna", "Austria", 48.2082, 16.3738, 1.9, 0.95},
      {"Zurich", "Switzerland", 47.3769, 8.5417, 0.4, 1.5},
      {"Geneva", "Switzerland", 46.2044, 6.1432, 0.2, 1.5},
      {"Stockholm", "Sweden", 59.3293, 18.0686, 0.98, 0.95},
      {"Copenhagen", "Denmark", 55.6761, 12.5683, 0.64, 1.05},
      {"Dublin", "Ireland", 53.3498, -6.2603, 0.55, 1.05},
      {"Lisbon", "Portugal", 38.7223, -9.1393, 0.5, 0.65},
      {"Prague", "Czechia", 50.0755, 14.4378, 1.3, 0.6},
      {"New York", "United States", 40.7128, -74.0060, 8.3, 1.35},
      {"San Francisco", "United States", 37.7749, -122.4194, 0.8, 1.6},
      {"Chicago", "United States", 41.8781, -87.6298, 2.7, 1.25},
      {"Austin", "United States", 30.2672, -97.7431, 0.96, 1.2},
      {"Seattle", "United States", 47.6062, -122.3321, 0.74, 1.45},
      {"Toronto", "Canada", 43.6532, -79.3832, 2.8, 1.0},
      {"Vancouver", "Canada", 49.2827, -123.1207, 0.68, 1.0},
      {"Sydney", "Australia", -33.8688, 151.2093, 5.3, 1.05},
      {"Melbourne", "Australia", -37.8136, 144.9631, 5.0, 1.05},
      {"Singapore", "Singapore", 1.3521, 103.8198, 5.6, 1.1},
      {"Bangalore", "India", 12.9716, 77.5946, 8.4, 0.3},
      {"Sao Paulo", "Brazil", -23.5505, -46.6333, 12.3, 0.4},
  };
  return all;
}

const std::vector<std::string_view>& company_words() {
  static const std::vector<std::string_view> all{
      "North",  "Blue",    "Bright", "Stone", "River",  "Nova",   "Peak",  "Iron",   "Green",  "Silver",
      "Quantum", "Harbor", "Atlas",  "Cedar", "Summit", "Vertex", "Orbit", "Maple",  "Falcon", "Delta",
      "Aurora", "Beacon",  "Cobalt", "Ember", "Fjord",  "Granite", "Helix", "Lumen", "Meridian", "Polar"};
  return all;
}

const std::vector<std::string_view>& company_suffixes() {
  static const std::vector<std::string_view> all{"GmbH", "Ltd", "Inc", "AG", "Group", "Labs"};
  return all;
}

const std::vector<std::string_view>& first_names() {
  static const std::vector<std::string_view> all{"Anna", "Ben", "Chloe", "David", "Elif", "Farid", "Greta", "Hugo",
                                                 "Ines", "Jonas", "Kira", "Luca", "Maya", "Noah", "Olga", "Pedro",
                                                 "Quinn", "Rosa", "Sam", "Tara", "Umar", "Vera", "Wei", "Yuki"};
  return all;
}

const std::vector<std::string_view>& last_names() {
  static const std::vector<std::string_view> all{"Schmidt", "Martin", "Smith", "Garcia", "Rossi", "Nowak", "Jansen",
                                                 "Dubois", "Silva", "Kumar", "Chen", "Novak", "Berg", "Murphy",
                                                 "Fischer", "Lopez", "Meyer", "Tanaka", "Costa", "Weber"};
  return all;
}

}  // namespace jobmesh::match::detail
