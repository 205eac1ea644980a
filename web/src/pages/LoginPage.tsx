import { useState, type FormEvent } from "react";
import { ApiError } from "../api/client";
import { auth } from "../api/endpoints";
import type { Session } from "../api/types";

export function LoginPage({ onSignedIn }: { onSignedIn: (s: Session) => Promise<void> }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError("");
    try {
      await onSignedIn(await auth.login(email.trim(), password));
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) setError("Wrong email or password.");
      else if (err instanceof ApiError && err.status === 429)
        setError("Too many failed sign-ins. Wait a little, then try again.");
      else setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="login">
      <form onSubmit={submit} className="card login-card">
        <h1>StackLens</h1>
        <p className="muted">Sign in to see your traces, prompts and keys.</p>
        <label>Email<input type="email" name="email" autoComplete="username" value={email}
          onChange={(e) => setEmail(e.target.value)} required autoFocus /></label>
        <label>Password<input type="password" name="password" autoComplete="current-password" value={password}
          onChange={(e) => setPassword(e.target.value)} required /></label>
        {error && <div className="error-banner" role="alert">{error}</div>}
        <button type="submit" className="primary" disabled={busy}>{busy ? "Signing in…" : "Sign in"}</button>
        <p className="muted small-text">
          The first admin's login is printed once when the server first starts. Lost it? Run
          <code> stacklens users reset-password --email admin@stacklens.local</code>.
        </p>
      </form>
    </div>
  );
}
