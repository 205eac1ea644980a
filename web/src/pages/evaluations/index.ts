// The Evaluations pages, one chunk the dashboard loads the first time one of them is opened (App.tsx).
export { ComparePage } from "./ComparePage";
export { ConnectionsPage } from "./ConnectionsPage";
export { DatasetPage } from "./DatasetPage";
export { DatasetsPage } from "./DatasetsPage";
export { EvaluatorsPage } from "./EvaluatorsPage";
export { PlaygroundPage } from "./PlaygroundPage";
export { RulesPage } from "./RulesPage";
