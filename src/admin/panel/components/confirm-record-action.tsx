import { Box, Button, MessageBox, Text } from '@adminjs/design-system';
import { type ActionProps, ApiClient, useActionResponseHandler, useTranslation } from 'adminjs';
import React, { useState } from 'react';

/**
 * The page of a record action that changes something (erase, cancel, new card, …): it asks,
 * then POSTs. AdminJS's own buttons would run such an action with a GET, which a plain link
 * could trigger; the server runs these actions on POST only.
 */
const ConfirmRecordAction: React.FC<ActionProps> = ({ action, resource, record }) => {
  const { translateMessage, translateButton } = useTranslation();
  const onResponse = useActionResponseHandler(undefined);
  const [busy, setBusy] = useState(false);
  if (!record) return null;
  const run = async () => {
    setBusy(true);
    try {
      onResponse(
        await new ApiClient().recordAction({
          resourceId: resource.id,
          recordId: String(record.id),
          actionName: action.name,
          data: {},
        }),
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <Box variant="card" data-testid="confirm-record-action">
      <Text mb="lg" fontWeight="bold">
        {record.title}
      </Text>
      <MessageBox
        variant={action.variant === 'danger' ? 'danger' : 'info'}
        message={translateMessage(action.guard || 'confirmAction', resource.id)}
      />
      <Box mt="xl" flex flexDirection="row" style={{ gap: 12 }}>
        <Button
          type="button"
          variant={action.variant === 'danger' ? 'danger' : 'contained'}
          disabled={busy}
          onClick={run}
        >
          {translateButton('confirm', resource.id)}
        </Button>
        <Button type="button" variant="text" disabled={busy} onClick={() => window.history.back()}>
          {translateButton('cancel', resource.id)}
        </Button>
      </Box>
    </Box>
  );
};

export default ConfirmRecordAction;
