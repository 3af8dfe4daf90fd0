// The build's logic lives in TypeScript under build/; tsx lets webpack load it.
require('tsx/cjs/api').register();
// The error check comes from the same module as the build, so that it tests against the very classes the build throws.
const { createWebpackConfig, isAuthorFacing } = require('./build/webpack-config.ts');

module.exports = async () => {
  try {
    return await createWebpackConfig({ rootDir: __dirname });
  } catch (error) {
    // Feature, settings and key errors are for authors: print the message, not a stack trace.
    if (isAuthorFacing(error)) {
      console.error(`Build failed: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
};
