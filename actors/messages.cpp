#include "actors/messages.hpp"

#include "actors/errors.hpp"

namespace jobmesh::actors {

caf::error error_of(const submission_refusal& r) {
  return make_error(r.field == "type" ? errc::unknown_job_type : errc::invalid_argument, r.message, r.field);
}

void add_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<job_spec>("jobmesh.job_spec");
  cfg.add_message_type<submission_refusal>("jobmesh.submission_refusal");
  cfg.add_message_type<bulk_submission>("jobmesh.bulk_submission");
  cfg.add_message_type<group_request>("jobmesh.group_request");
  cfg.add_message_type<item_result>("jobmesh.item_result");
  cfg.add_message_type<batch_result>("jobmesh.batch_result");
  cfg.add_message_type<storage::job_record>("jobmesh.job_record");
  cfg.add_message_type<storage::item_record>("jobmesh.item_record");
  cfg.add_error_category(k_error_category, [](std::uint8_t code, caf::atom_value, const caf::message& ctx) {
    auto text = std::string{to_string(static_cast<errc>(code))};
    if (ctx.match_elements<std::string>())
      text += ": " + ctx.get_as<std::string>(0);
    return text;
  });
}

}  // namespace jobmesh::actors
