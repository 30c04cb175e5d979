import { Box, Button, Text } from '@adminjs/design-system';
import { type ActionProps, useTranslation } from 'adminjs';
import React from 'react';

/**
 * A client's data as JSON (a subject access request): what the file holds, and its download
 * (the record's `download` param, set by the action's handler). Each download is audited.
 */
const ClientDataExport: React.FC<ActionProps> = ({ record }) => {
  const { translateComponent: tc } = useTranslation();
  if (!record) return null;
  return (
    <Box variant="card" data-testid="client-data-export">
      <Text mb="lg" fontWeight="bold">
        {record.title}
      </Text>
      <Text mb="xl">{tc('ClientDataExport.lead')}</Text>
      <Button as="a" href={String(record.params.download)} download variant="contained">
        {tc('ClientDataExport.download')}
      </Button>
    </Box>
  );
};

export default ClientDataExport;
