#include "ingest/project_prices.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <map>

#include "core/json.h"

namespace stacklens::ingest {

Result<pricing::PriceDefinition> definition_of(const ModelPrice& price) {
  SL_TRY(doc, json::parse(price.definition));
  return pricing::parse_definition(doc, fmt::format("price {}", price.id), false);
}

Status ProjectPrices::reload() {
  std::lock_guard lock(reload_mu_);
  // The revision first: a change committed while the prices are read raises it again, and the
  // next poll reads once more.
  SL_TRY(revision, meta_.model_price_revision());
  SL_TRY(prices, meta_.list_model_prices(std::nullopt));
  std::map<int64_t, std::vector<pricing::PriceDefinition>> by_project;
  for (const ModelPrice& p : prices) {
    auto d = definition_of(p);
    if (!d) {
      spdlog::error("project {}: stored price {} is unreadable and left out: {}", p.project_id, p.id, d.error().message);
      continue;
    }
    by_project[p.project_id].push_back(std::move(*d));
  }
  pricing::ProjectTables tables;
  for (auto& [project, definitions] : by_project) {
    auto table = pricing::PriceTable::build(std::move(definitions));
    if (!table) {
      spdlog::error("project {}: its prices are left out: {}", project, table.error().message);
      continue;
    }
    tables.emplace(project, std::move(*table));
  }
  book_.replace(std::move(tables), revision);
  return ok_status();
}

void ProjectPrices::start(std::chrono::milliseconds every) {
  poller_.start("sl-prices", every, [this] {
    auto revision = meta_.model_price_revision();
    if (!revision) {
      spdlog::warn("model prices: cannot read their revision: {}", revision.error().message);
    } else if (*revision != book_.revision()) {
      if (auto st = reload(); !st) spdlog::warn("model prices: reload failed: {}", st.error().message);
    }
  });
}

void ProjectPrices::stop() { poller_.stop(); }

}  // namespace stacklens::ingest
