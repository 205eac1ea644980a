import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from "react";
import { ApiError, onSignedOutCall, setCsrfToken, setProject } from "./api/client";
import { auth } from "./api/endpoints";
import { SessionContext, type SessionContextValue } from "./api/session";
import type { Session } from "./api/types";
import { ErrorBanner } from "./components/ErrorBanner";
import { Layout } from "./components/Layout";
import { errorText } from "./lib/useAsync";
import { match, navigate, useLocation } from "./lib/router";
import { AuditPage } from "./pages/governance/AuditPage";
import { FindingsPage } from "./pages/governance/FindingsPage";
import { PoliciesPage } from "./pages/governance/PoliciesPage";
import { ReportPage } from "./pages/governance/ReportPage";
import { KeysPage } from "./pages/KeysPage";
import { LoginPage } from "./pages/LoginPage";
import { MembersPage } from "./pages/MembersPage";
import { PricesPage } from "./pages/PricesPage";
import { ScoreConfigsPage } from "./pages/ScoreConfigsPage";
import { OverviewPage } from "./pages/OverviewPage";
import { PromptDetailPage } from "./pages/PromptDetailPage";
import { PromptsPage } from "./pages/PromptsPage";
import { SessionPage } from "./pages/SessionPage";
import { SessionsPage } from "./pages/SessionsPage";
import { TraceDetailPage } from "./pages/TraceDetailPage";
import { TracesPage } from "./pages/TracesPage";
import { UsersPage } from "./pages/UsersPage";

const PROJECT_KEY = "stacklens.project";

// The Evaluations pages are a chunk of their own, loaded when one is first opened: the main bundle stays small.
const evaluations = () => import("./pages/evaluations");
const ComparePage = lazy(() => evaluations().then((m) => ({ default: m.ComparePage })));
const ConnectionsPage = lazy(() => evaluations().then((m) => ({ default: m.ConnectionsPage })));
const DatasetPage = lazy(() => evaluations().then((m) => ({ default: m.DatasetPage })));
const DatasetsPage = lazy(() => evaluations().then((m) => ({ default: m.DatasetsPage })));
const EvaluatorsPage = lazy(() => evaluations().then((m) => ({ default: m.EvaluatorsPage })));
const PlaygroundPage = lazy(() => evaluations().then((m) => ({ default: m.PlaygroundPage })));
const RulesPage = lazy(() => evaluations().then((m) => ({ default: m.RulesPage })));
const alerts = () => import("./pages/alerts");
const BudgetsPage = lazy(() => alerts().then((m) => ({ default: m.BudgetsPage })));
const ChannelsPage = lazy(() => alerts().then((m) => ({ default: m.ChannelsPage })));
const MonitorsPage = lazy(() => alerts().then((m) => ({ default: m.MonitorsPage })));

function pickProject(s: Session): string {
  const stored = localStorage.getItem(PROJECT_KEY);
  if (stored && s.projects.some((p) => p.name === stored)) return stored;
  return s.currentProject || s.projects[0]?.name || "";
}

export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [checking, setChecking] = useState(true);
  const [fatal, setFatal] = useState("");
  const [project, setProjectState] = useState("");

  // A session answer's scopes are those of its currentProject: when another project is picked, ask again from it.
  const accept = useCallback(async (s: Session) => {
    setCsrfToken(s.csrfToken);
    const name = pickProject(s);
    setProject(name);
    const answer = name === (s.currentProject ?? "") ? s : await auth.me();
    setProjectState(name);
    setSession(answer);
  }, []);

  const check = useCallback(async () => {
    try {
      await accept(await auth.me());
      setFatal("");
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) setSession(null);
      else setFatal(errorText(err));
    } finally {
      setChecking(false);
    }
  }, [accept]);

  useEffect(() => {
    onSignedOutCall(() => setSession(null));
    void check();
  }, [check]);

  const value = useMemo<SessionContextValue | null>(() => {
    if (!session) return null;
    const role = session.projects.find((p) => p.name === project)?.role ?? "viewer";
    const scopes = new Set(session.scopes);
    return {
      session,
      project,
      role,
      can: (scope) => scopes.has(scope),
      switchProject: async (name: string) => {
        localStorage.setItem(PROJECT_KEY, name);
        setProject(name);
        await accept(await auth.me());
        navigate("/");
      },
      refresh: async () => accept(await auth.me()),
      signOut: async () => {
        try {
          await auth.logout();
        } finally {
          setCsrfToken("");
          setSession(null);
          navigate("/");
        }
      },
    };
  }, [session, project, accept]);

  if (checking) return <div className="loading-page">Loading…</div>;
  if (fatal) return <div className="login"><div className="card"><ErrorBanner error={fatal} onRetry={() => void check()} /></div></div>;
  if (!value) return <LoginPage onSignedIn={accept} />;
  return (
    <SessionContext.Provider value={value}>
      <Layout>
        <Suspense fallback={<div className="loading-page">Loading…</div>}>
          <Routes key={project} />
        </Suspense>
      </Layout>
    </SessionContext.Provider>
  );
}

function Routes() {
  const { path } = useLocation();
  let params: Record<string, string> | null;
  if (path === "/" || path === "/overview") return <OverviewPage />;
  if (path === "/traces") return <TracesPage />;
  if ((params = match("/traces/:id", path))) return <TraceDetailPage traceId={params.id} />;
  if (path === "/sessions") return <SessionsPage />;
  if ((params = match("/sessions/:id", path))) return <SessionPage sessionId={params.id} />;
  if (path === "/users") return <UsersPage />;
  if (path === "/prompts") return <PromptsPage />;
  if ((params = match("/prompts/:name", path))) return <PromptDetailPage name={params.name} />;
  if (path === "/evaluations/datasets" || path === "/evaluations") return <DatasetsPage />;
  if ((params = match("/evaluations/datasets/:name", path))) return <DatasetPage name={params.name} />;
  if ((params = match("/evaluations/datasets/:name/compare", path)))
    return <ComparePage key={location.search} name={params.name} />;
  if (path === "/evaluations/rules") return <RulesPage />;
  if (path === "/evaluations/playground") return <PlaygroundPage />;
  if (path === "/evaluations/evaluators") return <EvaluatorsPage />;
  if (path === "/evaluations/connections") return <ConnectionsPage />;
  if (path === "/alerts/budgets" || path === "/alerts") return <BudgetsPage />;
  if (path === "/alerts/channels") return <ChannelsPage />;
  if (path === "/alerts/monitors") return <MonitorsPage />;
  if (path === "/governance") return <FindingsPage />;
  if (path === "/governance/policies") return <PoliciesPage />;
  if (path === "/governance/audit") return <AuditPage />;
  if (path === "/governance/report") return <ReportPage />;
  if (path === "/settings/keys") return <KeysPage />;
  if (path === "/settings/scores") return <ScoreConfigsPage />;
  if (path === "/settings/prices") return <PricesPage />;
  if (path === "/settings/members" || path === "/settings") return <MembersPage />;
  return (
    <div className="page">
      <h1>Page not found</h1>
      <p>There is no page at <code>{path}</code>.</p>
    </div>
  );
}
