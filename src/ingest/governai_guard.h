#pragma once
// GovernAI at ingest: each span's prompt, completion, attribute values and event attribute
// values are scanned for personal data (governai/scanner.h) on the request thread, before the
// writer prices and seals them, and the project's policy for each type found is applied:
// allow keeps the value, redact replaces it with the type's placeholder (the raw value never
// reaches the writer, disk, logs or metrics), block refuses the span and stores a marker in
// its place so its trace shows it. Findings are counted per project, type and action
// (Metrics); redact and block findings are appended to the audit log, never their values.
#include <array>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "governai/scanner.h"
#include "ingest/governai_policies.h"
#include "model/audit.h"
#include "model/span.h"
#include "observability/metrics.h"
#include "storage/meta_store.h"

namespace stacklens::ingest {

// The attributes GovernAI sets on a stored span (clients' own are dropped): the `field:type`
// pairs it redacted, and on a blocked span's marker the pairs that blocked it.
inline constexpr std::string_view kRedactedAttribute = "governai.redacted";
inline constexpr std::string_view kBlockedAttribute = "governai.blocked";

// What one request's spans found, kept until GovernaiGuard::record.
struct Screening {
  std::optional<ProjectPolicy> policy;  // the request's project's, read at its first span
  std::vector<AuditEntry> audit;
  std::array<std::array<int64_t, std::size(kPolicyActions)>, governai::kPiiTypeCount> counts{};
  int64_t project_id = 0;
};

// One text checked under a project's policy (the check endpoint).
struct CheckedText {
  std::vector<governai::Finding> findings;  // in order of begin; field is empty
  std::vector<PolicyAction> actions;        // one per finding
  std::string redacted;                     // findings acted on (redact, block) replaced by placeholders
  PolicyAction decision = PolicyAction::allow;  // the strictest action among the findings
};

class GovernaiGuard {
 public:
  // enabled false (setting governai=off): spans pass untouched and nothing is counted.
  GovernaiGuard(const governai::Scanner& scanner, GovernaiPolicies& policies, MetaStore& meta, Metrics& metrics,
                bool enabled)
      : scanner_(scanner), policies_(policies), meta_(meta), metrics_(metrics), enabled_(enabled) {}

  // Applies the span's project's policies to it in place. A blocked span becomes its marker
  // (ids, parent, name, kind, times, model, provider and tokens kept; status error; no text,
  // attributes or events but kBlockedAttribute) and the error to answer is returned
  // (unprocessable, naming span, types and fields, never a value).
  std::optional<Error> screen(Span& span, Screening& s) const;
  // Counts the request's findings and appends its audit entries; an error means nothing may
  // be stored (an action that cannot be audited is not taken).
  Status record(Screening& s) const;

  CheckedText check(std::string_view text, const ProjectPolicy& policy) const;
  GovernaiPolicies& policies() const { return policies_; }

 private:
  const governai::Scanner& scanner_;
  GovernaiPolicies& policies_;
  MetaStore& meta_;
  Metrics& metrics_;
  const bool enabled_;
};

// `text` with each finding whose action is not allow replaced by its type's placeholder.
std::string redacted(std::string_view text, std::span<const governai::Finding> findings,
                     std::span<const PolicyAction> actions);

}  // namespace stacklens::ingest
