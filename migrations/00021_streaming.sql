-- +goose Up
-- Streaming clients hear of changes through NOTIFY on the channel
-- roundtable_stream, sent by the transaction that makes the change (and so
-- only once it commits), to every serve process on the database. Payloads
-- carry ids only; the streaming side loads what each viewer may see. A
-- deleted status can no longer be loaded, so its notice also says whose it
-- was, how visible, and whom it mentioned (the first hundred).
-- +goose StatementBegin
CREATE FUNCTION stream_status_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM pg_notify('roundtable_stream', json_build_object('event', 'update', 'id', NEW.id)::text);
    ELSIF TG_OP = 'UPDATE' THEN
        IF NEW.edited_at IS DISTINCT FROM OLD.edited_at THEN
            PERFORM pg_notify('roundtable_stream', json_build_object('event', 'status.update', 'id', NEW.id)::text);
        ELSIF OLD.held_at IS NOT NULL AND NEW.held_at IS NULL THEN
            -- A contribution released after review appears as if new.
            PERFORM pg_notify('roundtable_stream', json_build_object('event', 'update', 'id', NEW.id)::text);
        END IF;
    ELSE
        PERFORM pg_notify('roundtable_stream', json_build_object('event', 'delete', 'id', OLD.id,
            'account', OLD.account_id, 'visibility', OLD.visibility, 'local', OLD.local, 'group', OLD.group_id,
            'mentions', coalesce((SELECT json_agg(m.account_id) FROM (SELECT account_id FROM status_mentions
                WHERE status_id = OLD.id LIMIT 100) m), '[]'::json))::text);
        RETURN OLD;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION stream_notification() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('roundtable_stream',
        json_build_object('event', 'notification', 'id', NEW.id, 'account', NEW.account_id)::text);
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER statuses_stream_insert AFTER INSERT ON statuses
    FOR EACH ROW EXECUTE FUNCTION stream_status_change();
CREATE TRIGGER statuses_stream_update AFTER UPDATE OF edited_at, held_at ON statuses
    FOR EACH ROW EXECUTE FUNCTION stream_status_change();
-- Before the row goes, while its mentions are still there.
CREATE TRIGGER statuses_stream_delete BEFORE DELETE ON statuses
    FOR EACH ROW EXECUTE FUNCTION stream_status_change();
CREATE TRIGGER notifications_stream_insert AFTER INSERT ON notifications
    FOR EACH ROW EXECUTE FUNCTION stream_notification();

-- +goose Down
DROP TRIGGER notifications_stream_insert ON notifications;
DROP TRIGGER statuses_stream_delete ON statuses;
DROP TRIGGER statuses_stream_update ON statuses;
DROP TRIGGER statuses_stream_insert ON statuses;
DROP FUNCTION stream_notification();
DROP FUNCTION stream_status_change();
