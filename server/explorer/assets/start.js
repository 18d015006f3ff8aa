// start.js mounts GraphiQL on the stakegraph API. It lives in its own file because the page's
// Content-Security-Policy allows no inline script.
(function () {
  'use strict';

  // Relative to the page, so the explorer also works behind a proxy that mounts the API
  // under a path.
  var endpoint = new URL('graphql', document.baseURI).href;

  var defaultHeaders = '{\n  "Authorization": "Bearer "\n}';

  var defaultQuery = [
    '# Welcome to the stakegraph explorer.',
    '#',
    '# 1. In "Headers" below, put your token after "Bearer "',
    '#    (`stakegraph serve` prints one, `stakegraph token`',
    '#    makes more).',
    '# 2. Run the query: the ▶ button or Ctrl-Enter.',
    '#',
    '# This browser keeps the token (local storage) until',
    '# you remove it from the headers.',
    '',
    '{',
    '  accounts(first: 5, orderBy: [{field: NAME}]) {',
    '    totalCount',
    '    edges { node { name tier stage } }',
    '  }',
    '}',
    ''
  ].join('\n');

  var bearer = 'Bearer ';

  // token returns the bearer token of GraphiQL's headers, or '' while there is none.
  function token(headers) {
    if (!headers || typeof headers !== 'object') {
      return '';
    }
    for (var name in headers) {
      var value = headers[name];
      if (name.toLowerCase() === 'authorization' && typeof value === 'string' &&
          value.slice(0, bearer.length).toLowerCase() === bearer.toLowerCase()) {
        return value.slice(bearer.length).trim();
      }
    }
    return '';
  }

  // parseHeaders reads the headers editor's text, or returns null while it is not JSON.
  function parseHeaders(text) {
    try {
      return JSON.parse(text || '{}');
    } catch (e) {
      return null;
    }
  }

  var post = GraphiQL.createFetcher({ url: endpoint });

  // fetcher sends nothing until there is a token: the API would only answer 401.
  function fetcher(params, options) {
    if (!token(options && options.headers)) {
      return Promise.resolve({
        errors: [{ message: 'No token yet: open "Headers" below and put your token after "Bearer ".' }]
      });
    }
    return post(params, options);
  }

  // storedToken is the token GraphiQL kept in local storage from an earlier visit, if any.
  function storedToken() {
    try {
      return token(parseHeaders(window.localStorage.getItem('graphiql:headers')));
    } catch (e) {
      return '';
    }
  }

  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  var schemaToken = storedToken();

  // render mounts GraphiQL. Without a token it asks for no schema (the API would refuse);
  // with a new token it makes a new fetcher, so GraphiQL loads the schema with that token and
  // documentation and completion appear as soon as a token is pasted.
  function render() {
    root.render(React.createElement(GraphiQL, {
      fetcher: function (params, options) { return fetcher(params, options); },
      schema: schemaToken ? undefined : null,
      defaultQuery: defaultQuery,
      defaultHeaders: defaultHeaders,
      defaultEditorToolsVisibility: 'headers',
      shouldPersistHeaders: true,
      onEditHeaders: function (text) {
        var current = token(parseHeaders(text));
        if (current && current !== schemaToken) {
          schemaToken = current;
          render();
        }
      }
    }));
  }

  render();
})();
