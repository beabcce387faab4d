-- View models (`-- materialized: view`): a model kept as a view over other models, made again only when its SQL
-- changed or it is missing. Their state is recorded beside the tables' and the incremental models'.
ALTER TABLE citypipe.model_state DROP CONSTRAINT model_state_materialized_check;
ALTER TABLE citypipe.model_state ADD CONSTRAINT model_state_materialized_check CHECK (materialized IN ('table', 'incremental', 'view'));
