export { BudgetsPage } from "./BudgetsPage";
export { ChannelsPage } from "./ChannelsPage";
