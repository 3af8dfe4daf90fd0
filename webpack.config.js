// The build's logic lives in TypeScript under build/; tsx lets webpack load it.
require('tsx/cjs/api').register();
const { createWebpackConfig } = require('./build/webpack-config.ts');

module.exports = async () => {
  try {
    return await createWebpackConfig({ rootDir: __dirname });
  } catch (error) {
    // Feature and settings errors are for authors: print the table, not a stack trace.
    if (error && (error.name === 'FeatureValidationError' || error.name === 'BuildSettingsError' || error.name === 'KeyFileError')) {
      console.error(`Build failed: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
};
