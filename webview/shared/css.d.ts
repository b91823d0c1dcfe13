// esbuild's `.css: 'text'` loader hands CSS files to the bundles as strings.
declare module '*.css' {
  const text: string;
  export default text;
}
