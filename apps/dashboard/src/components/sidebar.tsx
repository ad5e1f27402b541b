import { href, type Route } from '../routing';

const NAV: { page: Route['page']; label: string; icon: string }[] = [
  { page: 'overview', label: 'Overview', icon: '◎' },
  { page: 'collections', label: 'Collections', icon: '▤' },
  { page: 'events', label: 'Events', icon: '⚡' },
  { page: 'clients', label: 'Clients', icon: '⇄' },
];

export function Sidebar({ route }: { route: Route }) {
  return (
    <nav className="sidebar" aria-label="Sections">
      <a className="brand" href={href('overview')}>
        <span className="brand-dot" aria-hidden />
        livehub
      </a>
      {NAV.map((n) => (
        <a
          key={n.page}
          href={href(n.page)}
          className={`nav-item${route.page === n.page ? ' active' : ''}`}
          aria-current={route.page === n.page ? 'page' : undefined}
        >
          <span className="nav-icon" aria-hidden>
            {n.icon}
          </span>
          {n.label}
        </a>
      ))}
    </nav>
  );
}
