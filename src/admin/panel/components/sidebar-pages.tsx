import { useCurrentAdmin } from 'adminjs';
import React from 'react';

interface Page {
  name: string;
}

interface Props {
  pages?: Page[];
  OriginalComponent?: React.ComponentType<{ pages?: Page[] }>;
}

/** AdminJS's own page list, limited to the pages the server put in the user's session. */
const SidebarPages: React.FC<Props> = ({ pages, OriginalComponent }) => {
  const [admin] = useCurrentAdmin();
  const allowed = new Set<string>((admin as { pages?: string[] } | null)?.pages ?? []);
  if (!OriginalComponent) return null;
  return <OriginalComponent pages={(pages ?? []).filter((p) => allowed.has(p.name))} />;
};

export default SidebarPages;
