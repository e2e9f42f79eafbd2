// `drop` filter: discards every message its match accepts (debug lines, health checks, noisy loggers).
import { defineComponent, type Filter } from '../component';

/** The `drop` filter: the match says what to drop, so it has no options of its own. */
export const dropFilter = defineComponent({
  kind: 'filters',
  type: 'drop',
  summary: 'Discards the messages its match accepts.',
  schema: {},
  example: '[filters.nodebug]\ntype = "drop"\nmatch = "Fields[level] == \'debug\' || Payload =~ /GET \\\\/health/"',
  create: (): Filter => ({ process: () => undefined }),
});
