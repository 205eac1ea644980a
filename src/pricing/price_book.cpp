#include "pricing/price_book.h"

namespace stacklens::pricing {

PriceSnapshot::Found PriceSnapshot::find(int64_t project_id, std::string_view model, std::string_view provider,
                                         Micros at) const {
  if (!projects_->empty())
    if (auto it = projects_->find(project_id); it != projects_->end())
      if (const PriceEntry* e = it->second.find(model, provider, at, false)) return {e, CostSource::custom};
  if (const PriceEntry* e = shipped_->find(model, provider, at)) return {e, CostSource::table};
  return {};
}

PriceBook::PriceBook(PriceTable shipped)
    : shipped_(std::move(shipped)), projects_(std::make_shared<const ProjectTables>()) {}

PriceSnapshot PriceBook::snapshot() const {
  std::lock_guard lock(mu_);
  return PriceSnapshot(shipped_, projects_);
}

void PriceBook::replace(ProjectTables projects, int64_t revision) {
  auto next = std::make_shared<const ProjectTables>(std::move(projects));
  std::lock_guard lock(mu_);
  projects_ = std::move(next);
  revision_ = revision;
}

int64_t PriceBook::revision() const {
  std::lock_guard lock(mu_);
  return revision_;
}

}  // namespace stacklens::pricing
