-- The transform stage replaces the rejects of the records it reads again: find them by feed and key hash.
CREATE INDEX rejects_transform_key ON citypipe.rejects (feed, record_key_hash) WHERE stage = 'transform';
