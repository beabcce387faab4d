-- What normalised a feed's clean rows: the normalisers' version and the clean table's columns. When either
-- changes (a new CityPipe, a manifest that gained a field or a place), the next transform reads the whole of
-- staging.FEED again instead of the rows since the watermark.
ALTER TABLE citypipe.transform_state ADD COLUMN plan text;
COMMENT ON COLUMN citypipe.transform_state.plan IS 'Normaliser version and clean columns the watermark holds for; a different plan means a full pass.';
