export { BudgetsPage } from "./BudgetsPage";
export { ChannelsPage } from "./ChannelsPage";
export { MonitorsPage } from "./MonitorsPage";
