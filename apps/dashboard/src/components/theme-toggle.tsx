import type { Theme } from '../theme';

const NEXT: Record<Theme, Theme> = { system: 'light', light: 'dark', dark: 'system' };
const ICON: Record<Theme, string> = { system: '◑', light: '☀', dark: '☾' };
const LABEL: Record<Theme, string> = { system: 'System theme', light: 'Light theme', dark: 'Dark theme' };

/** Cycles system → light → dark. */
export function ThemeToggle({ theme, onChange }: { theme: Theme; onChange: (t: Theme) => void }) {
  return (
    <button
      type="button"
      className="btn btn-ghost theme-toggle"
      data-testid="theme-toggle"
      onClick={() => onChange(NEXT[theme])}
      title={`${LABEL[theme]} (click to change)`}
    >
      <span aria-hidden>{ICON[theme]}</span>
      <span className="theme-label">{LABEL[theme]}</span>
    </button>
  );
}
