import { Box, Button, H2, Loader, Text } from '@adminjs/design-system';
import { type ActionProps, ApiClient, useTranslation } from 'adminjs';
import React, { useEffect, useState } from 'react';

/** What the export action answers (src/admin/panel/actions/export-action.ts). */
interface Offer {
  downloads: { format: 'csv' | 'xlsx'; href: string }[];
  columns: string[];
}

/**
 * "Export" on a list: CSV or XLSX of it, with the columns the user's role may see (listed, in
 * the resource's own labels). The files stream from plain download routes.
 */
const ExportList: React.FC<ActionProps> = ({ resource, action }) => {
  const { translateComponent: tc, translateProperty } = useTranslation();
  const [offer, setOffer] = useState<Offer | null>(null);
  useEffect(() => {
    new ApiClient()
      .resourceAction({ resourceId: resource.id, actionName: action.name })
      .then((response) => setOffer(response.data as unknown as Offer));
  }, [resource.id, action.name]);
  return (
    <Box variant="card" data-testid="export-list">
      <H2>{tc('ExportList.title', { list: resource.name })}</H2>
      <Text mb="lg">{tc('ExportList.lead')}</Text>
      {!offer && <Loader />}
      {offer && (
        <>
          <Text mb="lg" data-testid="export-columns">
            {tc('ExportList.columns')}{' '}
            {offer.columns.map((c) => translateProperty(c, resource.id)).join(', ')}
          </Text>
          <Box flex flexDirection="row" style={{ gap: 12 }}>
            {offer.downloads.map((d) => (
              <Button as="a" key={d.format} href={d.href} download variant="contained">
                {d.format.toUpperCase()}
              </Button>
            ))}
          </Box>
        </>
      )}
    </Box>
  );
};

export default ExportList;
