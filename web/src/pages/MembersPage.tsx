import { useState, type FormEvent } from "react";
import { members, projects, retention } from "../api/endpoints";
import { useSession } from "../api/session";
import type { Member, Role } from "../api/types";
import { CopyButton } from "../components/CopyButton";
import { ErrorBanner } from "../components/ErrorBanner";
import { fmtRelative } from "../lib/format";
import { errorText, useAsync } from "../lib/useAsync";

const ROLES: { id: Role; help: string }[] = [
  { id: "viewer", help: "reads traces, prompts and evaluations" },
  { id: "member", help: "also changes prompts and evaluations" },
  { id: "admin", help: "also manages keys, members and model connections, approves promotions" },
];

export function MembersPage() {
  const { can, project } = useSession();
  return (
    <div className="page" data-testid="members-page">
      <div className="page-head"><h1>Members &amp; Projects</h1></div>
      {can("members:manage") ? <Members project={project} /> : (
        <p className="notice">Only an admin of {project} can see and change its members.</p>
      )}
      <Retention project={project} canChange={can("members:manage")} />
      <Projects />
    </div>
  );
}

function Members({ project }: { project: string }) {
  const { session } = useSession();
  const list = useAsync(() => members.list(), []);
  const [error, setError] = useState("");
  const [added, setAdded] = useState<Member | null>(null);
  const act = async (what: () => Promise<unknown>) => {
    setError("");
    try {
      await what();
      list.reload();
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <div className="card">
      <h3>Members of {project}</h3>
      <AddMember onAdded={(m) => { setAdded(m); list.reload(); }} />
      {added?.password && (
        <div className="secret" data-testid="new-member">
          <strong>{added.email} can sign in with this password. It is shown only once.</strong>
          <div className="secret-row"><code data-testid="new-member-password">{added.password}</code><CopyButton text={added.password} /></div>
        </div>
      )}
      <ErrorBanner error={list.error || error} />
      {list.data && (
        <table data-testid="members-table">
          <thead><tr><th>Email</th><th>Role</th><th /></tr></thead>
          <tbody>
            {list.data.members.map((m) => (
              <tr key={m.email} data-email={m.email}>
                <td>{m.email}</td>
                <td>
                  <select aria-label={`Role of ${m.email}`} value={m.role} disabled={m.email === session.user.email}
                    onChange={(e) => void act(() => members.add(m.email, e.target.value))}>
                    {ROLES.map((r) => <option key={r.id} value={r.id}>{r.id}</option>)}
                  </select>
                </td>
                <td>{m.email !== session.user.email && (
                  <button className="danger small" onClick={() => {
                    if (window.confirm(`Remove ${m.email} from ${project}?`)) void act(() => members.remove(m.email));
                  }}>Remove</button>
                )}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function AddMember({ onAdded }: { onAdded: (m: Member) => void }) {
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("member");
  const [error, setError] = useState("");
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError("");
    try {
      onAdded(await members.add(email.trim(), role));
      setEmail("");
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <form className="inline-form" onSubmit={submit} aria-label="Add member">
      <input type="email" name="member-email" placeholder="colleague@example.com" value={email} onChange={(e) => setEmail(e.target.value)} required />
      <select name="member-role" aria-label="Role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
        {ROLES.map((r) => <option key={r.id} value={r.id}>{r.id}: {r.help}</option>)}
      </select>
      <button type="submit" className="primary">Add member</button>
      <ErrorBanner error={error} />
    </form>
  );
}

/** How long the project's traces are kept; admins change it. */
function Retention({ project, canChange }: { project: string; canChange: boolean }) {
  const current = useAsync(() => retention.get(), [project]);
  const [days, setDays] = useState("");
  const [error, setError] = useState("");
  const [saved, setSaved] = useState("");
  const save = async (value: number | null) => {
    setError("");
    setSaved("");
    try {
      const now = await retention.set(value);
      setSaved(now.retentionDays === null ? "Traces are now kept until deleted." :
        `Traces that began more than ${now.retentionDays} days ago are now removed by the next retention pass.`);
      setDays("");
      current.reload();
    } catch (err) {
      setError(errorText(err));
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const n = Number(days);
    if (!Number.isInteger(n) || n < 1) {
      setError("Enter a whole number of days, 1 or more.");
      return;
    }
    void save(n);
  };
  const kept = current.data?.retentionDays;
  return (
    <div className="card" data-testid="retention">
      <h3>Retention of {project}</h3>
      <ErrorBanner error={current.error || error} />
      {current.data && (
        <p data-testid="retention-now">
          {kept === null || kept === undefined ? "Traces are kept until deleted." :
            `Traces are kept ${kept} days after they began; older ones are removed with their text, scores and metrics.`}
        </p>
      )}
      {saved && <p className="muted" data-testid="retention-saved">{saved}</p>}
      {canChange ? (
        <form className="inline-form" onSubmit={submit}>
          <span>Keep traces for</span>
          <input aria-label="Retention days" type="number" min={1} max={36500} value={days}
            placeholder={kept ? String(kept) : "days"} onChange={(e) => setDays(e.target.value)} />
          <span>days</span>
          <button type="submit" disabled={!days}>Save</button>
          {kept !== null && kept !== undefined && (
            <button type="button" className="small" onClick={() => void save(null)}>Keep everything</button>
          )}
        </form>
      ) : <p className="muted">Only an admin of {project} can change it.</p>}
    </div>
  );
}

function Projects() {
  const { project, switchProject, refresh } = useSession();
  const list = useAsync(() => projects.list(), []);
  const [name, setName] = useState("");
  const [error, setError] = useState("");
  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError("");
    try {
      await projects.create(name.trim());
      setName("");
      list.reload();
      await refresh();
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <div className="card">
      <h3>Projects</h3>
      <ErrorBanner error={list.error || error} />
      {list.data && (
        <table data-testid="projects-table">
          <thead><tr><th>Project</th><th>Your role</th><th>Created</th><th /></tr></thead>
          <tbody>
            {list.data.projects.map((p) => (
              <tr key={p.name}>
                <td>{p.name}</td><td>{p.role}</td><td>{fmtRelative(p.createdAt)}</td>
                <td>{p.name === project ? <span className="muted">current</span> :
                  <button className="small" onClick={() => void switchProject(p.name)}>Switch to</button>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="inline-form" onSubmit={create} aria-label="Create project">
        <input name="project-name" placeholder="new project name" value={name} onChange={(e) => setName(e.target.value)} required />
        <button type="submit">Create project</button>
      </form>
    </div>
  );
}
