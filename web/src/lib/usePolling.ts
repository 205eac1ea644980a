import { useEffect } from "react";

/**
 * While `active`, calls `reload` `ms` after each new `data`: one request at a time, however slow the server
 * answers. An answer that fails leaves `data` as it was, so the polling stops there (the page shows the error).
 */
export function usePolling(active: boolean, data: unknown, reload: () => void, ms = 1000): void {
  useEffect(() => {
    if (!active) return;
    const timer = window.setTimeout(reload, ms);
    return () => window.clearTimeout(timer);
  }, [active, data, reload, ms]);
}
