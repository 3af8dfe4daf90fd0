/**
 * zod's English messages, for the tools: the build, the publish tool and the
 * server (which loads them with classic zod anyway) name what is wrong in
 * full ("expected string, received number"). The add-on does not import this
 * module: the messages would be parsed on every wake of its event page, and
 * protocol/zod-issues.ts words its refusals from the issues' own fields.
 */
import * as z from 'zod/mini';

z.config(z.locales.en());
