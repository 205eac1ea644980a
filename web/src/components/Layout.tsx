import type { ReactNode } from "react";
import { useSession } from "../api/session";
import { Link, useLocation } from "../lib/router";

const EVALUATIONS = [
  { to: "/evaluations/datasets", label: "Datasets" },
  { to: "/evaluations/evaluators", label: "Evaluators" },
  { to: "/evaluations/rules", label: "Evaluation rules" },
  { to: "/evaluations/playground", label: "Playground" },
  { to: "/evaluations/connections", label: "Model connections" },
];

const ALERTS = [
  { to: "/alerts/monitors", label: "Monitors" },
  { to: "/alerts/budgets", label: "Budgets" },
  { to: "/alerts/channels", label: "Notification channels" },
];

const GOVERNANCE = [
  { to: "/governance", label: "Personal data" },
  { to: "/governance/policies", label: "Policies" },
  { to: "/governance/audit", label: "Audit log" },
  { to: "/governance/report", label: "Transparency report" },
];

export function Layout({ children }: { children: ReactNode }) {
  const { session, project, role, can, switchProject, signOut } = useSession();
  const { path } = useLocation();
  const nav: { to: string; label: string; show: boolean }[] = [
    { to: "/", label: "Overview", show: true },
    { to: "/traces", label: "Traces", show: true },
    { to: "/sessions", label: "Sessions", show: true },
    { to: "/users", label: "Users", show: true },
    { to: "/prompts", label: "Prompts", show: true },
    { to: "/settings/keys", label: "API Keys", show: can("keys:manage") },
    { to: "/settings/members", label: "Members & Projects", show: true },
    { to: "/settings/scores", label: "Score configs", show: true },
    { to: "/settings/prices", label: "Model prices", show: true },
  ];
  const active = (to: string) => (to === "/" ? path === "/" : path.startsWith(to));
  return (
    <div className="shell">
      <aside className="sidebar">
        <div className="brand">StackLens</div>
        <label className="project-switch">
          <span className="muted small-text">Project</span>
          <select aria-label="Project" value={project} onChange={(e) => void switchProject(e.target.value)}>
            {session.projects.map((p) => <option key={p.name} value={p.name}>{p.name}</option>)}
          </select>
        </label>
        <nav>
          <div className="nav-group">StackTrace</div>
          {nav.slice(0, 4).map((n) => (
            <Link key={n.to} to={n.to} className={active(n.to) ? "active" : ""}>{n.label}</Link>
          ))}
          <div className="nav-group">FlowOps</div>
          <Link to="/prompts" className={active("/prompts") ? "active" : ""}>Prompts</Link>
          <div className="nav-group">Evaluations</div>
          {EVALUATIONS.map((n) => (
            <Link key={n.to} to={n.to} className={active(n.to) ? "active" : ""}>{n.label}</Link>
          ))}
          <div className="nav-group">Alerts</div>
          {ALERTS.map((n) => (
            <Link key={n.to} to={n.to} className={active(n.to) ? "active" : ""}>{n.label}</Link>
          ))}
          <div className="nav-group">Governance</div>
          {GOVERNANCE.map((n) => (
            <Link key={n.to} to={n.to} className={(n.to === "/governance" ? path === n.to : active(n.to)) ? "active" : ""}>{n.label}</Link>
          ))}
          <div className="nav-group">Settings</div>
          {nav.slice(5).filter((n) => n.show).map((n) => (
            <Link key={n.to} to={n.to} className={active(n.to) ? "active" : ""}>{n.label}</Link>
          ))}
        </nav>
        <div className="whoami">
          <div title={session.user.email} className="email">{session.user.email}</div>
          <div className="muted small-text" data-testid="role">{role} of {project}</div>
          <button className="link" onClick={() => void signOut()}>Sign out</button>
        </div>
      </aside>
      <main className="content">{children}</main>
    </div>
  );
}
