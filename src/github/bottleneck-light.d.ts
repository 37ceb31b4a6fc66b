// bottleneck declares types for its full build only. Its light build (no Redis clustering) is the
// one @octokit/plugin-throttling loads, so the client builds its pacing groups from it too.
declare module 'bottleneck/light.js' {
  import Bottleneck from 'bottleneck';
  export default Bottleneck;
}
