#!/bin/sh
":" //; exec node -- "$0" "$@"
import { createRequire as __WEBPACK_EXTERNAL_createRequire } from "module";
/******/ var __webpack_modules__ = ({

/***/ 8889:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {

const fs = __nccwpck_require__(9896)
const path = __nccwpck_require__(6928)
const os = __nccwpck_require__(857)
const crypto = __nccwpck_require__(6982)

// Array of tips to display randomly
const TIPS = [
  '◈ encrypted .env [www.dotenvx.com]',
  '◈ secrets for agents [www.dotenvx.com]',
  '⌁ auth for agents [www.vestauth.com]',
  '⌘ custom filepath { path: \'/custom/path/.env\' }',
  '⌘ enable debugging { debug: true }',
  '⌘ override existing { override: true }',
  '⌘ suppress logs { quiet: true }',
  '⌘ multiple files { path: [\'.env.local\', \'.env\'] }'
]

// Get a random tip from the tips array
function _getRandomTip () {
  return TIPS[Math.floor(Math.random() * TIPS.length)]
}

function parseBoolean (value) {
  if (typeof value === 'string') {
    return !['false', '0', 'no', 'off', ''].includes(value.toLowerCase())
  }
  return Boolean(value)
}

function supportsAnsi () {
  return process.stdout.isTTY // && process.env.TERM !== 'dumb'
}

function dim (text) {
  return supportsAnsi() ? `\x1b[2m${text}\x1b[0m` : text
}

const LINE = /(?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)/mg

// Parse src into an Object
function parse (src) {
  const obj = {}

  // Convert buffer to string
  let lines = src.toString()

  // Convert line breaks to same format
  lines = lines.replace(/\r\n?/mg, '\n')

  let match
  while ((match = LINE.exec(lines)) != null) {
    const key = match[1]

    // Default undefined or null to empty string
    let value = (match[2] || '')

    // Remove whitespace
    value = value.trim()

    // Check if double quoted
    const maybeQuote = value[0]

    // Remove surrounding quotes
    value = value.replace(/^(['"`])([\s\S]*)\1$/mg, '$2')

    // Expand newlines if double quoted
    if (maybeQuote === '"') {
      value = value.replace(/\\n/g, '\n')
      value = value.replace(/\\r/g, '\r')
    }

    // Add to object
    obj[key] = value
  }

  return obj
}

function _parseVault (options) {
  options = options || {}

  const vaultPath = _vaultPath(options)
  options.path = vaultPath // parse .env.vault
  const result = DotenvModule.configDotenv(options)
  if (!result.parsed) {
    const err = new Error(`MISSING_DATA: Cannot parse ${vaultPath} for an unknown reason`)
    err.code = 'MISSING_DATA'
    throw err
  }

  // handle scenario for comma separated keys - for use with key rotation
  // example: DOTENV_KEY="dotenv://:key_1234@dotenvx.com/vault/.env.vault?environment=prod,dotenv://:key_7890@dotenvx.com/vault/.env.vault?environment=prod"
  const keys = _dotenvKey(options).split(',')
  const length = keys.length

  let decrypted
  for (let i = 0; i < length; i++) {
    try {
      // Get full key
      const key = keys[i].trim()

      // Get instructions for decrypt
      const attrs = _instructions(result, key)

      // Decrypt
      decrypted = DotenvModule.decrypt(attrs.ciphertext, attrs.key)

      break
    } catch (error) {
      // last key
      if (i + 1 >= length) {
        throw error
      }
      // try next key
    }
  }

  // Parse decrypted .env string
  return DotenvModule.parse(decrypted)
}

function _warn (message) {
  console.error(`⚠ ${message}`)
}

function _debug (message) {
  console.log(`┆ ${message}`)
}

function _log (message) {
  console.log(`◇ ${message}`)
}

function _dotenvKey (options) {
  // prioritize developer directly setting options.DOTENV_KEY
  if (options && options.DOTENV_KEY && options.DOTENV_KEY.length > 0) {
    return options.DOTENV_KEY
  }

  // secondary infra already contains a DOTENV_KEY environment variable
  if (process.env.DOTENV_KEY && process.env.DOTENV_KEY.length > 0) {
    return process.env.DOTENV_KEY
  }

  // fallback to empty string
  return ''
}

function _instructions (result, dotenvKey) {
  // Parse DOTENV_KEY. Format is a URI
  let uri
  try {
    uri = new URL(dotenvKey)
  } catch (error) {
    if (error.code === 'ERR_INVALID_URL') {
      const err = new Error('INVALID_DOTENV_KEY: Wrong format. Must be in valid uri format like dotenv://:key_1234@dotenvx.com/vault/.env.vault?environment=development')
      err.code = 'INVALID_DOTENV_KEY'
      throw err
    }

    throw error
  }

  // Get decrypt key
  const key = uri.password
  if (!key) {
    const err = new Error('INVALID_DOTENV_KEY: Missing key part')
    err.code = 'INVALID_DOTENV_KEY'
    throw err
  }

  // Get environment
  const environment = uri.searchParams.get('environment')
  if (!environment) {
    const err = new Error('INVALID_DOTENV_KEY: Missing environment part')
    err.code = 'INVALID_DOTENV_KEY'
    throw err
  }

  // Get ciphertext payload
  const environmentKey = `DOTENV_VAULT_${environment.toUpperCase()}`
  const ciphertext = result.parsed[environmentKey] // DOTENV_VAULT_PRODUCTION
  if (!ciphertext) {
    const err = new Error(`NOT_FOUND_DOTENV_ENVIRONMENT: Cannot locate environment ${environmentKey} in your .env.vault file.`)
    err.code = 'NOT_FOUND_DOTENV_ENVIRONMENT'
    throw err
  }

  return { ciphertext, key }
}

function _vaultPath (options) {
  let possibleVaultPath = null

  if (options && options.path && options.path.length > 0) {
    if (Array.isArray(options.path)) {
      for (const filepath of options.path) {
        if (fs.existsSync(filepath)) {
          possibleVaultPath = filepath.endsWith('.vault') ? filepath : `${filepath}.vault`
        }
      }
    } else {
      possibleVaultPath = options.path.endsWith('.vault') ? options.path : `${options.path}.vault`
    }
  } else {
    possibleVaultPath = path.resolve(process.cwd(), '.env.vault')
  }

  if (fs.existsSync(possibleVaultPath)) {
    return possibleVaultPath
  }

  return null
}

function _resolveHome (envPath) {
  return envPath[0] === '~' ? path.join(os.homedir(), envPath.slice(1)) : envPath
}

function _configVault (options) {
  const debug = parseBoolean(process.env.DOTENV_CONFIG_DEBUG || (options && options.debug))
  const quiet = parseBoolean(process.env.DOTENV_CONFIG_QUIET || (options && options.quiet))

  if (debug || !quiet) {
    _log('loading env from encrypted .env.vault')
  }

  const parsed = DotenvModule._parseVault(options)

  let processEnv = process.env
  if (options && options.processEnv != null) {
    processEnv = options.processEnv
  }

  DotenvModule.populate(processEnv, parsed, options)

  return { parsed }
}

function configDotenv (options) {
  const dotenvPath = path.resolve(process.cwd(), '.env')
  let encoding = 'utf8'
  let processEnv = process.env
  if (options && options.processEnv != null) {
    processEnv = options.processEnv
  }
  let debug = parseBoolean(processEnv.DOTENV_CONFIG_DEBUG || (options && options.debug))
  let quiet = parseBoolean(processEnv.DOTENV_CONFIG_QUIET || (options && options.quiet))

  if (options && options.encoding) {
    encoding = options.encoding
  } else {
    if (debug) {
      _debug('no encoding is specified (UTF-8 is used by default)')
    }
  }

  let optionPaths = [dotenvPath] // default, look for .env
  if (options && options.path) {
    if (!Array.isArray(options.path)) {
      optionPaths = [_resolveHome(options.path)]
    } else {
      optionPaths = [] // reset default
      for (const filepath of options.path) {
        optionPaths.push(_resolveHome(filepath))
      }
    }
  }

  // Build the parsed data in a temporary object (because we need to return it).  Once we have the final
  // parsed data, we will combine it with process.env (or options.processEnv if provided).
  let lastError
  const parsedAll = {}
  for (const path of optionPaths) {
    try {
      // Specifying an encoding returns a string instead of a buffer
      const parsed = DotenvModule.parse(fs.readFileSync(path, { encoding }))

      DotenvModule.populate(parsedAll, parsed, options)
    } catch (e) {
      if (debug) {
        _debug(`failed to load ${path} ${e.message}`)
      }
      lastError = e
    }
  }

  const populated = DotenvModule.populate(processEnv, parsedAll, options)

  // handle user settings DOTENV_CONFIG_ options inside .env file(s)
  debug = parseBoolean(processEnv.DOTENV_CONFIG_DEBUG || debug)
  quiet = parseBoolean(processEnv.DOTENV_CONFIG_QUIET || quiet)

  if (debug || !quiet) {
    const keysCount = Object.keys(populated).length
    const shortPaths = []
    for (const filePath of optionPaths) {
      try {
        const relative = path.relative(process.cwd(), filePath)
        shortPaths.push(relative)
      } catch (e) {
        if (debug) {
          _debug(`failed to load ${filePath} ${e.message}`)
        }
        lastError = e
      }
    }

    _log(`injected env (${keysCount}) from ${shortPaths.join(',')} ${dim(`// tip: ${_getRandomTip()}`)}`)
  }

  if (lastError) {
    return { parsed: parsedAll, error: lastError }
  } else {
    return { parsed: parsedAll }
  }
}

// Populates process.env from .env file
function config (options) {
  // fallback to original dotenv if DOTENV_KEY is not set
  if (_dotenvKey(options).length === 0) {
    return DotenvModule.configDotenv(options)
  }

  const vaultPath = _vaultPath(options)

  // dotenvKey exists but .env.vault file does not exist
  if (!vaultPath) {
    _warn(`you set DOTENV_KEY but you are missing a .env.vault file at ${vaultPath}`)

    return DotenvModule.configDotenv(options)
  }

  return DotenvModule._configVault(options)
}

function decrypt (encrypted, keyStr) {
  const key = Buffer.from(keyStr.slice(-64), 'hex')
  let ciphertext = Buffer.from(encrypted, 'base64')

  const nonce = ciphertext.subarray(0, 12)
  const authTag = ciphertext.subarray(-16)
  ciphertext = ciphertext.subarray(12, -16)

  try {
    const aesgcm = crypto.createDecipheriv('aes-256-gcm', key, nonce)
    aesgcm.setAuthTag(authTag)
    return `${aesgcm.update(ciphertext)}${aesgcm.final()}`
  } catch (error) {
    const isRange = error instanceof RangeError
    const invalidKeyLength = error.message === 'Invalid key length'
    const decryptionFailed = error.message === 'Unsupported state or unable to authenticate data'

    if (isRange || invalidKeyLength) {
      const err = new Error('INVALID_DOTENV_KEY: It must be 64 characters long (or more)')
      err.code = 'INVALID_DOTENV_KEY'
      throw err
    } else if (decryptionFailed) {
      const err = new Error('DECRYPTION_FAILED: Please check your DOTENV_KEY')
      err.code = 'DECRYPTION_FAILED'
      throw err
    } else {
      throw error
    }
  }
}

// Populate process.env with parsed values
function populate (processEnv, parsed, options = {}) {
  const debug = Boolean(options && options.debug)
  const override = Boolean(options && options.override)
  const populated = {}

  if (typeof parsed !== 'object') {
    const err = new Error('OBJECT_REQUIRED: Please check the processEnv argument being passed to populate')
    err.code = 'OBJECT_REQUIRED'
    throw err
  }

  // Set process.env
  for (const key of Object.keys(parsed)) {
    if (Object.prototype.hasOwnProperty.call(processEnv, key)) {
      if (override === true) {
        processEnv[key] = parsed[key]
        populated[key] = parsed[key]
      }

      if (debug) {
        if (override === true) {
          _debug(`"${key}" is already defined and WAS overwritten`)
        } else {
          _debug(`"${key}" is already defined and was NOT overwritten`)
        }
      }
    } else {
      processEnv[key] = parsed[key]
      populated[key] = parsed[key]
    }
  }

  return populated
}

const DotenvModule = {
  configDotenv,
  _configVault,
  _parseVault,
  config,
  decrypt,
  parse,
  populate
}

module.exports.configDotenv = DotenvModule.configDotenv
module.exports._configVault = DotenvModule._configVault
module.exports._parseVault = DotenvModule._parseVault
module.exports.config = DotenvModule.config
module.exports.decrypt = DotenvModule.decrypt
module.exports.parse = DotenvModule.parse
module.exports.populate = DotenvModule.populate

module.exports = DotenvModule


/***/ }),

/***/ 785:
/***/ ((__unused_webpack_module, exports) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
// This is an empty module that is served up when outside of a workerd environment
// See the `exports` field in package.json
exports["default"] = {};
//# sourceMappingURL=empty.js.map

/***/ }),

/***/ 6122:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



//Parse method copied from https://github.com/brianc/node-postgres
//Copyright (c) 2010-2014 Brian Carlson (brian.m.carlson@gmail.com)
//MIT License

//parses a connection string
function parse(str, options = {}) {
  //unix socket
  if (str.charAt(0) === '/') {
    const config = str.split(' ')
    return { host: config[0], database: config[1] }
  }

  // Check for empty host in URL

  const config = Object.create(null)
  let result
  let dummyHost = false
  if (/ |%[^a-f0-9]|%[a-f0-9][^a-f0-9]/i.test(str)) {
    // Ensure spaces are encoded as %20
    str = encodeURI(str).replace(/%25(\d\d)/g, '%$1')
  }

  try {
    try {
      result = new URL(str, 'postgres://base')
    } catch (e) {
      // The URL is invalid so try again with a dummy host
      result = new URL(str.replace('@/', '@___DUMMY___/'), 'postgres://base')
      dummyHost = true
    }
  } catch (err) {
    // Remove the input from the error message to avoid leaking sensitive information
    err.input && (err.input = '*****REDACTED*****')
    throw err
  }

  // We'd like to use Object.fromEntries() here but Node.js 10 does not support it
  for (const entry of result.searchParams.entries()) {
    config[entry[0]] = entry[1]
  }

  config.user = config.user || decodeURIComponent(result.username)
  config.password = config.password || decodeURIComponent(result.password)

  if (result.protocol == 'socket:') {
    config.host = decodeURI(result.pathname)
    config.database = result.searchParams.get('db')
    config.client_encoding = result.searchParams.get('encoding')
    return config
  }
  const hostname = (dummyHost ? '' : result.hostname).replace(/^\[(.+)\]$/, '$1')
  if (!config.host) {
    // Only set the host if there is no equivalent query param.
    config.host = decodeURIComponent(hostname)
  } else if (hostname && /^%2f/i.test(hostname)) {
    // Only prepend the hostname to the pathname if it is not a URL encoded Unix socket host.
    result.pathname = hostname + result.pathname
  }
  if (!config.port) {
    // Only set the port if there is no equivalent query param.
    config.port = result.port
  }

  const pathname = result.pathname.slice(1) || null
  config.database = pathname ? decodeURI(pathname) : null

  if (config.ssl === 'true' || config.ssl === '1') {
    config.ssl = true
  }

  if (config.ssl === '0') {
    config.ssl = false
  }

  if (config.sslcert || config.sslkey || config.sslrootcert || config.sslmode) {
    config.ssl = {}
  }

  // sslnegotiation=direct implies SSL is in use (libpq requires sslmode>=require),
  // so enable SSL if the connection string did not otherwise configure it.
  if (config.sslnegotiation === 'direct' && config.ssl === undefined) {
    config.ssl = true
  }

  // Only try to load fs if we expect to read from the disk
  const fs = config.sslcert || config.sslkey || config.sslrootcert ? __nccwpck_require__(9896) : null

  if (config.sslcert) {
    config.ssl.cert = fs.readFileSync(config.sslcert).toString()
  }

  if (config.sslkey) {
    config.ssl.key = fs.readFileSync(config.sslkey).toString()
  }

  if (config.sslrootcert) {
    config.ssl.ca = fs.readFileSync(config.sslrootcert).toString()
  }

  if (options.useLibpqCompat && config.uselibpqcompat) {
    throw new Error('Both useLibpqCompat and uselibpqcompat are set. Please use only one of them.')
  }

  if (config.uselibpqcompat === 'true' || options.useLibpqCompat) {
    switch (config.sslmode) {
      case 'disable': {
        config.ssl = false
        break
      }
      case 'prefer': {
        config.ssl.rejectUnauthorized = false
        break
      }
      case 'require': {
        if (config.sslrootcert) {
          // If a root CA is specified, behavior of `sslmode=require` will be the same as that of `verify-ca`
          config.ssl.checkServerIdentity = function () {}
        } else {
          config.ssl.rejectUnauthorized = false
        }
        break
      }
      case 'verify-ca': {
        if (!config.ssl.ca) {
          throw new Error(
            'SECURITY WARNING: Using sslmode=verify-ca requires specifying a CA with sslrootcert. If a public CA is used, verify-ca allows connections to a server that somebody else may have registered with the CA, making you vulnerable to Man-in-the-Middle attacks. Either specify a custom CA certificate with sslrootcert parameter or use sslmode=verify-full for proper security.'
          )
        }
        config.ssl.checkServerIdentity = function () {}
        break
      }
      case 'verify-full': {
        break
      }
    }
  } else {
    switch (config.sslmode) {
      case 'disable': {
        config.ssl = false
        break
      }
      case 'prefer':
      case 'require':
      case 'verify-ca':
      case 'verify-full': {
        if (config.sslmode !== 'verify-full') {
          deprecatedSslModeWarning(config.sslmode)
        }
        break
      }
      case 'no-verify': {
        config.ssl.rejectUnauthorized = false
        break
      }
    }
  }

  return config
}

// convert pg-connection-string ssl config to a ClientConfig.ConnectionOptions
function toConnectionOptions(sslConfig) {
  const connectionOptions = Object.entries(sslConfig).reduce((c, [key, value]) => {
    // we explicitly check for undefined and null instead of `if (value)` because some
    // options accept falsy values. Example: `ssl.rejectUnauthorized = false`
    if (value !== undefined && value !== null) {
      c[key] = value
    }

    return c
  }, Object.create(null))

  return connectionOptions
}

// convert pg-connection-string config to a ClientConfig
function toClientConfig(config) {
  const poolConfig = Object.entries(config).reduce((c, [key, value]) => {
    if (key === 'ssl') {
      const sslConfig = value

      if (typeof sslConfig === 'boolean') {
        c[key] = sslConfig
      }

      if (typeof sslConfig === 'object') {
        c[key] = toConnectionOptions(sslConfig)
      }
    } else if (value !== undefined && value !== null) {
      if (key === 'port') {
        // when port is not specified, it is converted into an empty string
        // we want to avoid NaN or empty string as a values in ClientConfig
        if (value !== '') {
          const v = parseInt(value, 10)
          if (isNaN(v)) {
            throw new Error(`Invalid ${key}: ${value}`)
          }

          c[key] = v
        }
      } else {
        c[key] = value
      }
    }

    return c
  }, Object.create(null))

  return poolConfig
}

// parses a connection string into ClientConfig
function parseIntoClientConfig(str) {
  return toClientConfig(parse(str))
}

function deprecatedSslModeWarning(sslmode) {
  if (!deprecatedSslModeWarning.warned && typeof process !== 'undefined' && process.emitWarning) {
    deprecatedSslModeWarning.warned = true
    process.emitWarning(`SECURITY WARNING: The SSL modes 'prefer', 'require', and 'verify-ca' are treated as aliases for 'verify-full'.
In the next major version (pg-connection-string v3.0.0 and pg v9.0.0), these modes will adopt standard libpq semantics, which have weaker security guarantees.

To prepare for this change:
- If you want the current behavior, explicitly use 'sslmode=verify-full'
- If you want libpq compatibility now, use 'uselibpqcompat=true&sslmode=${sslmode}'

See https://www.postgresql.org/docs/current/libpq-ssl.html for libpq SSL mode definitions.`)
  }
}

module.exports = parse

parse.parse = parse
parse.toClientConfig = toClientConfig
parse.parseIntoClientConfig = parseIntoClientConfig


/***/ }),

/***/ 2299:
/***/ ((module) => {



// selected so (BASE - 1) * 0x100000000 + 0xffffffff is a safe integer
var BASE = 1000000;

function readInt8(buffer) {
	var high = buffer.readInt32BE(0);
	var low = buffer.readUInt32BE(4);
	var sign = '';

	if (high < 0) {
		high = ~high + (low === 0);
		low = (~low + 1) >>> 0;
		sign = '-';
	}

	var result = '';
	var carry;
	var t;
	var digits;
	var pad;
	var l;
	var i;

	{
		carry = high % BASE;
		high = high / BASE >>> 0;

		t = 0x100000000 * carry + low;
		low = t / BASE >>> 0;
		digits = '' + (t - BASE * low);

		if (low === 0 && high === 0) {
			return sign + digits + result;
		}

		pad = '';
		l = 6 - digits.length;

		for (i = 0; i < l; i++) {
			pad += '0';
		}

		result = pad + digits + result;
	}

	{
		carry = high % BASE;
		high = high / BASE >>> 0;

		t = 0x100000000 * carry + low;
		low = t / BASE >>> 0;
		digits = '' + (t - BASE * low);

		if (low === 0 && high === 0) {
			return sign + digits + result;
		}

		pad = '';
		l = 6 - digits.length;

		for (i = 0; i < l; i++) {
			pad += '0';
		}

		result = pad + digits + result;
	}

	{
		carry = high % BASE;
		high = high / BASE >>> 0;

		t = 0x100000000 * carry + low;
		low = t / BASE >>> 0;
		digits = '' + (t - BASE * low);

		if (low === 0 && high === 0) {
			return sign + digits + result;
		}

		pad = '';
		l = 6 - digits.length;

		for (i = 0; i < l; i++) {
			pad += '0';
		}

		result = pad + digits + result;
	}

	{
		carry = high % BASE;
		t = 0x100000000 * carry + low;
		digits = '' + t % BASE;

		return sign + digits + result;
	}
}

module.exports = readInt8;


/***/ }),

/***/ 7558:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {


const EventEmitter = (__nccwpck_require__(4434).EventEmitter)

const NOOP = function () {}

const removeWhere = (list, predicate) => {
  const i = list.findIndex(predicate)

  return i === -1 ? undefined : list.splice(i, 1)[0]
}

class IdleItem {
  constructor(client, idleListener, timeoutId) {
    this.client = client
    this.idleListener = idleListener
    this.timeoutId = timeoutId
  }
}

class PendingItem {
  constructor(callback) {
    this.callback = callback
  }
}

function throwOnDoubleRelease() {
  throw new Error('Release called on client which has already been released to the pool.')
}

function promisify(Promise, callback) {
  if (callback) {
    return { callback: callback, result: undefined }
  }
  let rej
  let res
  const cb = function (err, client) {
    err ? rej(err) : res(client)
  }
  const result = new Promise(function (resolve, reject) {
    res = resolve
    rej = reject
  }).catch((err) => {
    // replace the stack trace that leads to `TCP.onStreamRead` with one that leads back to the
    // application that created the query
    Error.captureStackTrace(err)
    throw err
  })
  return { callback: cb, result: result }
}

function makeIdleListener(pool, client) {
  return function idleListener(err) {
    err.client = client

    client.removeListener('error', idleListener)
    client.on('error', () => {
      pool.log('additional client error after disconnection due to error', err)
    })
    pool._remove(client)
    // TODO - document that once the pool emits an error
    // the client has already been closed & purged and is unusable
    pool.emit('error', err, client)
  }
}

class Pool extends EventEmitter {
  constructor(options, Client) {
    super()
    this.options = Object.assign({}, options)

    if (options != null && 'password' in options) {
      // "hiding" the password so it doesn't show up in stack traces
      // or if the client is console.logged
      Object.defineProperty(this.options, 'password', {
        configurable: true,
        enumerable: false,
        writable: true,
        value: options.password,
      })
    }
    if (options != null && options.ssl && options.ssl.key) {
      // "hiding" the ssl->key so it doesn't show up in stack traces
      // or if the client is console.logged
      Object.defineProperty(this.options.ssl, 'key', {
        enumerable: false,
      })
    }

    this.options.max = this.options.max || this.options.poolSize || 10
    this.options.min = this.options.min || 0
    this.options.maxUses = this.options.maxUses || Infinity
    this.options.allowExitOnIdle = this.options.allowExitOnIdle || false
    this.options.maxLifetimeSeconds = this.options.maxLifetimeSeconds || 0
    this.log = this.options.log || function () {}
    this.Client = this.options.Client || Client || (__nccwpck_require__(3273).Client)
    this.Promise = this.options.Promise || global.Promise

    if (typeof this.options.idleTimeoutMillis === 'undefined') {
      this.options.idleTimeoutMillis = 10000
    }

    this._clients = []
    this._idle = []
    this._expired = new WeakSet()
    this._pendingQueue = []
    this._endCallback = undefined
    this.ending = false
    this.ended = false
  }

  _promiseTry(f) {
    const Promise = this.Promise
    if (typeof Promise.try === 'function') {
      return Promise.try(f)
    }
    return new Promise((resolve) => resolve(f()))
  }

  _isFull() {
    return this._clients.length >= this.options.max
  }

  _isAboveMin() {
    return this._clients.length > this.options.min
  }

  _pulseQueue() {
    this.log('pulse queue')
    if (this.ended) {
      this.log('pulse queue ended')
      return
    }
    if (this.ending) {
      this.log('pulse queue on ending')
      if (this._idle.length) {
        this._idle.slice().map((item) => {
          this._remove(item.client)
        })
      }
      if (!this._clients.length) {
        this.ended = true
        this._endCallback()
      }
      return
    }

    // if we don't have any waiting, do nothing
    if (!this._pendingQueue.length) {
      this.log('no queued requests')
      return
    }
    // if we don't have any idle clients and we have no more room do nothing
    if (!this._idle.length && this._isFull()) {
      return
    }
    const pendingItem = this._pendingQueue.shift()
    if (this._idle.length) {
      const idleItem = this._idle.pop()
      clearTimeout(idleItem.timeoutId)
      const client = idleItem.client
      client.ref && client.ref()
      const idleListener = idleItem.idleListener

      return this._acquireClient(client, pendingItem, idleListener, false)
    }
    if (!this._isFull()) {
      return this.newClient(pendingItem)
    }
    throw new Error('unexpected condition')
  }

  _remove(client, callback) {
    const removed = removeWhere(this._idle, (item) => item.client === client)

    if (removed !== undefined) {
      clearTimeout(removed.timeoutId)
    }

    this._clients = this._clients.filter((c) => c !== client)
    const context = this
    client.end(() => {
      context.emit('remove', client)

      if (typeof callback === 'function') {
        callback()
      }
    })
  }

  connect(cb) {
    if (this.ending) {
      const err = new Error('Cannot use a pool after calling end on the pool')
      return cb ? cb(err) : this.Promise.reject(err)
    }

    const response = promisify(this.Promise, cb)
    const result = response.result

    // if we don't have to connect a new client, don't do so
    if (this._isFull() || this._idle.length) {
      // if we have idle clients schedule a pulse immediately
      if (this._idle.length) {
        process.nextTick(() => this._pulseQueue())
      }

      if (!this.options.connectionTimeoutMillis) {
        this._pendingQueue.push(new PendingItem(response.callback))
        return result
      }

      const queueCallback = (err, res, done) => {
        clearTimeout(tid)
        response.callback(err, res, done)
      }

      const pendingItem = new PendingItem(queueCallback)

      // set connection timeout on checking out an existing client
      const tid = setTimeout(() => {
        // remove the callback from pending waiters because
        // we're going to call it with a timeout error
        removeWhere(this._pendingQueue, (i) => i.callback === queueCallback)
        pendingItem.timedOut = true
        response.callback(new Error('timeout exceeded when trying to connect'))
      }, this.options.connectionTimeoutMillis)

      if (tid.unref) {
        tid.unref()
      }

      this._pendingQueue.push(pendingItem)
      return result
    }

    this.newClient(new PendingItem(response.callback))

    return result
  }

  newClient(pendingItem) {
    const client = new this.Client(this.options)
    this._clients.push(client)
    const idleListener = makeIdleListener(this, client)

    this.log('checking client timeout')

    // connection timeout logic
    let tid
    let timeoutHit = false
    if (this.options.connectionTimeoutMillis) {
      tid = setTimeout(() => {
        if (client.connection) {
          this.log('ending client due to timeout')
          timeoutHit = true
          client.connection.stream.destroy()
        } else if (!client.isConnected()) {
          this.log('ending client due to timeout')
          timeoutHit = true
          // force kill the node driver, and let libpq do its teardown
          client.end()
        }
      }, this.options.connectionTimeoutMillis)
    }

    this.log('connecting new client')
    client.connect((err) => {
      if (tid) {
        clearTimeout(tid)
      }
      client.on('error', idleListener)
      if (err) {
        this.log('client failed to connect', err)
        // remove the dead client from our list of clients
        this._clients = this._clients.filter((c) => c !== client)
        if (timeoutHit) {
          err = new Error('Connection terminated due to connection timeout', { cause: err })
        }

        // this client won’t be released, so move on immediately
        this._pulseQueue()

        if (!pendingItem.timedOut) {
          pendingItem.callback(err, undefined, NOOP)
        }
      } else {
        this.log('new client connected')

        if (this.options.onConnect) {
          this._promiseTry(() => this.options.onConnect(client)).then(
            () => {
              this._afterConnect(client, pendingItem, idleListener)
            },
            (hookErr) => {
              this._clients = this._clients.filter((c) => c !== client)
              client.end(() => {
                this._pulseQueue()
                if (!pendingItem.timedOut) {
                  pendingItem.callback(hookErr, undefined, NOOP)
                }
              })
            }
          )
          return
        }

        return this._afterConnect(client, pendingItem, idleListener)
      }
    })
  }

  _afterConnect(client, pendingItem, idleListener) {
    if (this.options.maxLifetimeSeconds !== 0) {
      const maxLifetimeTimeout = setTimeout(() => {
        this.log('ending client due to expired lifetime')
        this._expired.add(client)
        const idleIndex = this._idle.findIndex((idleItem) => idleItem.client === client)
        if (idleIndex !== -1) {
          this._acquireClient(
            client,
            new PendingItem((err, client, clientRelease) => clientRelease()),
            idleListener,
            false
          )
        }
      }, this.options.maxLifetimeSeconds * 1000)

      maxLifetimeTimeout.unref()
      client.once('end', () => clearTimeout(maxLifetimeTimeout))
    }

    return this._acquireClient(client, pendingItem, idleListener, true)
  }

  // acquire a client for a pending work item
  _acquireClient(client, pendingItem, idleListener, isNew) {
    if (isNew) {
      this.emit('connect', client)
    }

    this.emit('acquire', client)

    client.release = this._releaseOnce(client, idleListener)

    client.removeListener('error', idleListener)

    if (!pendingItem.timedOut) {
      if (isNew && this.options.verify) {
        this.options.verify(client, (err) => {
          if (err) {
            client.release(err)
            return pendingItem.callback(err, undefined, NOOP)
          }

          pendingItem.callback(undefined, client, client.release)
        })
      } else {
        pendingItem.callback(undefined, client, client.release)
      }
    } else {
      if (isNew && this.options.verify) {
        this.options.verify(client, client.release)
      } else {
        client.release()
      }
    }
  }

  // returns a function that wraps _release and throws if called more than once
  _releaseOnce(client, idleListener) {
    let released = false

    return (err) => {
      if (released) {
        throwOnDoubleRelease()
      }

      released = true
      this._release(client, idleListener, err)
    }
  }

  // release a client back to the poll, include an error
  // to remove it from the pool
  _release(client, idleListener, err) {
    client.on('error', idleListener)

    client._poolUseCount = (client._poolUseCount || 0) + 1

    this.emit('release', err, client)

    // TODO(bmc): expose a proper, public interface _queryable and _ending
    if (err || this.ending || !client._queryable || client._ending || client._poolUseCount >= this.options.maxUses) {
      if (client._poolUseCount >= this.options.maxUses) {
        this.log('remove expended client')
      }

      return this._remove(client, this._pulseQueue.bind(this))
    }

    const isExpired = this._expired.has(client)
    if (isExpired) {
      this.log('remove expired client')
      this._expired.delete(client)
      return this._remove(client, this._pulseQueue.bind(this))
    }

    // idle timeout
    let tid
    if (this.options.idleTimeoutMillis && this._isAboveMin()) {
      tid = setTimeout(() => {
        if (this._isAboveMin()) {
          this.log('remove idle client')
          this._remove(client, this._pulseQueue.bind(this))
        }
      }, this.options.idleTimeoutMillis)

      if (this.options.allowExitOnIdle) {
        // allow Node to exit if this is all that's left
        tid.unref()
      }
    }

    if (this.options.allowExitOnIdle) {
      client.unref()
    }

    this._idle.push(new IdleItem(client, idleListener, tid))
    this._pulseQueue()
  }

  query(text, values, cb) {
    // guard clause against passing a function as the first parameter
    if (typeof text === 'function') {
      const response = promisify(this.Promise, text)
      setImmediate(function () {
        return response.callback(new Error('Passing a function as the first parameter to pool.query is not supported'))
      })
      return response.result
    }

    // allow plain text query without values, but callback
    if (typeof values === 'function') {
      cb = values
      values = undefined
    }
    const response = promisify(this.Promise, cb)
    cb = response.callback

    this.connect((err, client) => {
      if (err) {
        return cb(err)
      }

      let clientReleased = false
      const onError = (err) => {
        if (clientReleased) {
          return
        }
        clientReleased = true
        client.release(err)
        cb(err)
      }

      client.once('error', onError)
      this.log('dispatching query')
      try {
        client.query(text, values, (err, res) => {
          this.log('query dispatched')
          client.removeListener('error', onError)
          if (clientReleased) {
            return
          }
          clientReleased = true
          client.release(err)
          if (err) {
            return cb(err)
          }
          return cb(undefined, res)
        })
      } catch (err) {
        client.release(err)
        return cb(err)
      }
    })
    return response.result
  }

  end(cb) {
    this.log('ending')
    if (this.ending) {
      const err = new Error('Called end on pool more than once')
      return cb ? cb(err) : this.Promise.reject(err)
    }
    this.ending = true
    const promised = promisify(this.Promise, cb)
    this._endCallback = promised.callback
    this._pulseQueue()
    return promised.result
  }

  get waitingCount() {
    return this._pendingQueue.length
  }

  get idleCount() {
    return this._idle.length
  }

  get expiredCount() {
    return this._clients.reduce((acc, client) => acc + (this._expired.has(client) ? 1 : 0), 0)
  }

  get totalCount() {
    return this._clients.length
  }
}
module.exports = Pool


/***/ }),

/***/ 9971:
/***/ ((__unused_webpack_module, exports) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.BufferReader = void 0;
class BufferReader {
    constructor(offset = 0) {
        this.offset = offset;
        this.buffer = Buffer.allocUnsafe(0);
        // TODO(bmc): support non-utf8 encoding?
        this.encoding = 'utf-8';
    }
    setBuffer(offset, buffer) {
        this.offset = offset;
        this.buffer = buffer;
    }
    int16() {
        const result = this.buffer.readInt16BE(this.offset);
        this.offset += 2;
        return result;
    }
    byte() {
        const result = this.buffer[this.offset];
        this.offset++;
        return result;
    }
    int32() {
        const result = this.buffer.readInt32BE(this.offset);
        this.offset += 4;
        return result;
    }
    uint32() {
        const result = this.buffer.readUInt32BE(this.offset);
        this.offset += 4;
        return result;
    }
    string(length) {
        const result = this.buffer.toString(this.encoding, this.offset, this.offset + length);
        this.offset += length;
        return result;
    }
    cstring() {
        const start = this.offset;
        let end = start;
        // eslint-disable-next-line no-empty
        while (this.buffer[end++]) { }
        this.offset = end;
        return this.buffer.toString(this.encoding, start, end - 1);
    }
    bytes(length) {
        const result = this.buffer.slice(this.offset, this.offset + length);
        this.offset += length;
        return result;
    }
}
exports.BufferReader = BufferReader;
//# sourceMappingURL=buffer-reader.js.map

/***/ }),

/***/ 9315:
/***/ ((__unused_webpack_module, exports) => {


//binary data writer tuned for encoding binary specific to the postgres binary protocol
Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.Writer = void 0;
class Writer {
    constructor(size = 256) {
        this.size = size;
        this.offset = 5;
        this.headerPosition = 0;
        this.buffer = Buffer.allocUnsafe(size);
    }
    ensure(size) {
        const remaining = this.buffer.length - this.offset;
        if (remaining < size) {
            const oldBuffer = this.buffer;
            // exponential growth factor of around ~ 1.5
            // https://stackoverflow.com/questions/2269063/buffer-growth-strategy
            const newSize = oldBuffer.length + (oldBuffer.length >> 1) + size;
            this.buffer = Buffer.allocUnsafe(newSize);
            oldBuffer.copy(this.buffer, 0, 0, this.offset);
        }
    }
    addInt32(num) {
        this.ensure(4);
        this.buffer[this.offset++] = (num >>> 24) & 0xff;
        this.buffer[this.offset++] = (num >>> 16) & 0xff;
        this.buffer[this.offset++] = (num >>> 8) & 0xff;
        this.buffer[this.offset++] = (num >>> 0) & 0xff;
        return this;
    }
    addInt16(num) {
        this.ensure(2);
        this.buffer[this.offset++] = (num >>> 8) & 0xff;
        this.buffer[this.offset++] = (num >>> 0) & 0xff;
        return this;
    }
    addCString(string) {
        if (!string) {
            this.ensure(1);
        }
        else {
            const len = Buffer.byteLength(string);
            this.ensure(len + 1); // +1 for null terminator
            this.buffer.write(string, this.offset, 'utf-8');
            this.offset += len;
        }
        this.buffer[this.offset++] = 0; // null terminator
        return this;
    }
    addString(string = '') {
        const len = Buffer.byteLength(string);
        this.ensure(len);
        this.buffer.write(string, this.offset);
        this.offset += len;
        return this;
    }
    // Write an Int32 byte-length prefix immediately followed by the string's UTF-8
    // bytes. Postgres' Bind wire format prefixes every parameter with its length,
    // and doing it in one method computes Buffer.byteLength ONCE — the previous
    // `addInt32(Buffer.byteLength(s)).addString(s)` pairing scanned the string
    // three times (byteLength for the prefix, byteLength again inside addString,
    // then the encode), which is costly for large text parameters.
    addInt32PrefixedString(string) {
        const len = Buffer.byteLength(string);
        this.ensure(4 + len);
        const buffer = this.buffer;
        let offset = this.offset;
        buffer[offset++] = (len >>> 24) & 0xff;
        buffer[offset++] = (len >>> 16) & 0xff;
        buffer[offset++] = (len >>> 8) & 0xff;
        buffer[offset++] = (len >>> 0) & 0xff;
        buffer.write(string, offset, 'utf-8');
        this.offset = offset + len;
        return this;
    }
    add(otherBuffer) {
        this.ensure(otherBuffer.length);
        otherBuffer.copy(this.buffer, this.offset);
        this.offset += otherBuffer.length;
        return this;
    }
    /**
     * Appends an uninitialized block of {@link size} bytes to the buffer and returns its offset.
     */
    reserveUnsafe(size) {
        const offset = this.offset;
        this.ensure(size);
        this.offset += size;
        return offset;
    }
    join(code) {
        if (code) {
            this.buffer[this.headerPosition] = code;
            //length is everything in this packet minus the code
            const length = this.offset - (this.headerPosition + 1);
            this.buffer.writeInt32BE(length, this.headerPosition + 1);
        }
        return this.buffer.slice(code ? 0 : 5, this.offset);
    }
    flush(code) {
        const result = this.join(code);
        this.offset = 5;
        this.headerPosition = 0;
        this.buffer = Buffer.allocUnsafe(this.size);
        return result;
    }
    clear() {
        this.offset = 5;
        this.headerPosition = 0;
    }
}
exports.Writer = Writer;
//# sourceMappingURL=buffer-writer.js.map

/***/ }),

/***/ 4233:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.DatabaseError = exports.serialize = void 0;
exports.parse = parse;
const messages_1 = __nccwpck_require__(5809);
Object.defineProperty(exports, "DatabaseError", ({ enumerable: true, get: function () { return messages_1.DatabaseError; } }));
const serializer_1 = __nccwpck_require__(6513);
Object.defineProperty(exports, "serialize", ({ enumerable: true, get: function () { return serializer_1.serialize; } }));
const parser_1 = __nccwpck_require__(3318);
function parse(stream, callback) {
    const parser = new parser_1.Parser();
    stream.on('data', (buffer) => parser.parse(buffer, callback));
    return new Promise((resolve) => stream.on('end', () => resolve()));
}
//# sourceMappingURL=index.js.map

/***/ }),

/***/ 5809:
/***/ ((__unused_webpack_module, exports) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.NoticeMessage = exports.DataRowMessage = exports.CommandCompleteMessage = exports.ReadyForQueryMessage = exports.NotificationResponseMessage = exports.BackendKeyDataMessage = exports.AuthenticationMD5Password = exports.ParameterStatusMessage = exports.ParameterDescriptionMessage = exports.RowDescriptionMessage = exports.Field = exports.CopyResponse = exports.CopyDataMessage = exports.DatabaseError = exports.copyDone = exports.emptyQuery = exports.replicationStart = exports.portalSuspended = exports.noData = exports.closeComplete = exports.bindComplete = exports.parseComplete = void 0;
exports.parseComplete = {
    name: 'parseComplete',
    length: 5,
};
exports.bindComplete = {
    name: 'bindComplete',
    length: 5,
};
exports.closeComplete = {
    name: 'closeComplete',
    length: 5,
};
exports.noData = {
    name: 'noData',
    length: 5,
};
exports.portalSuspended = {
    name: 'portalSuspended',
    length: 5,
};
exports.replicationStart = {
    name: 'replicationStart',
    length: 4,
};
exports.emptyQuery = {
    name: 'emptyQuery',
    length: 4,
};
exports.copyDone = {
    name: 'copyDone',
    length: 4,
};
class DatabaseError extends Error {
    constructor(message, length, name) {
        super(message);
        this.length = length;
        this.name = name;
    }
}
exports.DatabaseError = DatabaseError;
class CopyDataMessage {
    constructor(length, chunk) {
        this.length = length;
        this.chunk = chunk;
        this.name = 'copyData';
    }
}
exports.CopyDataMessage = CopyDataMessage;
class CopyResponse {
    constructor(length, name, binary, columnCount) {
        this.length = length;
        this.name = name;
        this.binary = binary;
        this.columnTypes = new Array(columnCount);
    }
}
exports.CopyResponse = CopyResponse;
class Field {
    constructor(name, tableID, columnID, dataTypeID, dataTypeSize, dataTypeModifier, format) {
        this.name = name;
        this.tableID = tableID;
        this.columnID = columnID;
        this.dataTypeID = dataTypeID;
        this.dataTypeSize = dataTypeSize;
        this.dataTypeModifier = dataTypeModifier;
        this.format = format;
    }
}
exports.Field = Field;
class RowDescriptionMessage {
    constructor(length, fieldCount) {
        this.length = length;
        this.fieldCount = fieldCount;
        this.name = 'rowDescription';
        this.fields = new Array(this.fieldCount);
    }
}
exports.RowDescriptionMessage = RowDescriptionMessage;
class ParameterDescriptionMessage {
    constructor(length, parameterCount) {
        this.length = length;
        this.parameterCount = parameterCount;
        this.name = 'parameterDescription';
        this.dataTypeIDs = new Array(this.parameterCount);
    }
}
exports.ParameterDescriptionMessage = ParameterDescriptionMessage;
class ParameterStatusMessage {
    constructor(length, parameterName, parameterValue) {
        this.length = length;
        this.parameterName = parameterName;
        this.parameterValue = parameterValue;
        this.name = 'parameterStatus';
    }
}
exports.ParameterStatusMessage = ParameterStatusMessage;
class AuthenticationMD5Password {
    constructor(length, salt) {
        this.length = length;
        this.salt = salt;
        this.name = 'authenticationMD5Password';
    }
}
exports.AuthenticationMD5Password = AuthenticationMD5Password;
class BackendKeyDataMessage {
    constructor(length, processID, secretKey) {
        this.length = length;
        this.processID = processID;
        this.secretKey = secretKey;
        this.name = 'backendKeyData';
    }
}
exports.BackendKeyDataMessage = BackendKeyDataMessage;
class NotificationResponseMessage {
    constructor(length, processId, channel, payload) {
        this.length = length;
        this.processId = processId;
        this.channel = channel;
        this.payload = payload;
        this.name = 'notification';
    }
}
exports.NotificationResponseMessage = NotificationResponseMessage;
class ReadyForQueryMessage {
    constructor(length, status) {
        this.length = length;
        this.status = status;
        this.name = 'readyForQuery';
    }
}
exports.ReadyForQueryMessage = ReadyForQueryMessage;
class CommandCompleteMessage {
    constructor(length, text) {
        this.length = length;
        this.text = text;
        this.name = 'commandComplete';
    }
}
exports.CommandCompleteMessage = CommandCompleteMessage;
class DataRowMessage {
    constructor(length, fields) {
        this.length = length;
        this.fields = fields;
        this.name = 'dataRow';
        this.fieldCount = fields.length;
    }
}
exports.DataRowMessage = DataRowMessage;
class NoticeMessage {
    constructor(length, message) {
        this.length = length;
        this.message = message;
        this.name = 'notice';
    }
}
exports.NoticeMessage = NoticeMessage;
//# sourceMappingURL=messages.js.map

/***/ }),

/***/ 3318:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.Parser = void 0;
const messages_1 = __nccwpck_require__(5809);
const buffer_reader_1 = __nccwpck_require__(9971);
// every message is prefixed with a single byte
const CODE_LENGTH = 1;
// every message has an int32 length which includes itself but does
// NOT include the code in the length
const LEN_LENGTH = 4;
const HEADER_LENGTH = CODE_LENGTH + LEN_LENGTH;
// A placeholder for a `BackendMessage`’s length value that will be set after construction.
const LATEINIT_LENGTH = -1;
const emptyBuffer = Buffer.allocUnsafe(0);
class Parser {
    constructor(opts) {
        this.buffer = emptyBuffer;
        this.bufferLength = 0;
        this.bufferOffset = 0;
        this.reader = new buffer_reader_1.BufferReader();
        if ((opts === null || opts === void 0 ? void 0 : opts.mode) === 'binary') {
            throw new Error('Binary mode not supported yet');
        }
        this.mode = (opts === null || opts === void 0 ? void 0 : opts.mode) || 'text';
    }
    parse(buffer, callback) {
        this.mergeBuffer(buffer);
        const bufferFullLength = this.bufferOffset + this.bufferLength;
        let offset = this.bufferOffset;
        while (offset + HEADER_LENGTH <= bufferFullLength) {
            // code is 1 byte long - it identifies the message type
            const code = this.buffer[offset];
            // length is 1 Uint32BE - it is the length of the message EXCLUDING the code
            const length = this.buffer.readUInt32BE(offset + CODE_LENGTH);
            const fullMessageLength = CODE_LENGTH + length;
            if (fullMessageLength + offset <= bufferFullLength) {
                const message = this.handlePacket(offset + HEADER_LENGTH, code, length, this.buffer);
                callback(message);
                offset += fullMessageLength;
            }
            else {
                break;
            }
        }
        if (offset === bufferFullLength) {
            // No more use for the buffer
            this.buffer = emptyBuffer;
            this.bufferLength = 0;
            this.bufferOffset = 0;
        }
        else {
            // Adjust the cursors of remainingBuffer
            this.bufferLength = bufferFullLength - offset;
            this.bufferOffset = offset;
        }
    }
    mergeBuffer(buffer) {
        if (this.bufferLength > 0) {
            const newLength = this.bufferLength + buffer.byteLength;
            const newFullLength = newLength + this.bufferOffset;
            if (newFullLength > this.buffer.byteLength) {
                // We can't concat the new buffer with the remaining one
                let newBuffer;
                if (newLength <= this.buffer.byteLength && this.bufferOffset >= this.bufferLength) {
                    // We can move the relevant part to the beginning of the buffer instead of allocating a new buffer
                    newBuffer = this.buffer;
                }
                else {
                    // Allocate a new larger buffer
                    let newBufferLength = this.buffer.byteLength * 2;
                    while (newLength >= newBufferLength) {
                        newBufferLength *= 2;
                    }
                    newBuffer = Buffer.allocUnsafe(newBufferLength);
                }
                // Move the remaining buffer to the new one
                this.buffer.copy(newBuffer, 0, this.bufferOffset, this.bufferOffset + this.bufferLength);
                this.buffer = newBuffer;
                this.bufferOffset = 0;
            }
            // Concat the new buffer with the remaining one
            buffer.copy(this.buffer, this.bufferOffset + this.bufferLength);
            this.bufferLength = newLength;
        }
        else {
            this.buffer = buffer;
            this.bufferOffset = 0;
            this.bufferLength = buffer.byteLength;
        }
    }
    handlePacket(offset, code, length, bytes) {
        const { reader } = this;
        // NOTE: This undesirably retains the buffer in `this.reader` if the `parse*Message` calls below throw. However, those should only throw in the case of a protocol error, which normally results in the reader being discarded.
        reader.setBuffer(offset, bytes);
        let message;
        switch (code) {
            case 50 /* MessageCodes.BindComplete */:
                message = messages_1.bindComplete;
                break;
            case 49 /* MessageCodes.ParseComplete */:
                message = messages_1.parseComplete;
                break;
            case 51 /* MessageCodes.CloseComplete */:
                message = messages_1.closeComplete;
                break;
            case 110 /* MessageCodes.NoData */:
                message = messages_1.noData;
                break;
            case 115 /* MessageCodes.PortalSuspended */:
                message = messages_1.portalSuspended;
                break;
            case 99 /* MessageCodes.CopyDone */:
                message = messages_1.copyDone;
                break;
            case 87 /* MessageCodes.ReplicationStart */:
                message = messages_1.replicationStart;
                break;
            case 73 /* MessageCodes.EmptyQuery */:
                message = messages_1.emptyQuery;
                break;
            case 68 /* MessageCodes.DataRow */:
                message = parseDataRowMessage(reader);
                break;
            case 67 /* MessageCodes.CommandComplete */:
                message = parseCommandCompleteMessage(reader);
                break;
            case 90 /* MessageCodes.ReadyForQuery */:
                message = parseReadyForQueryMessage(reader);
                break;
            case 65 /* MessageCodes.NotificationResponse */:
                message = parseNotificationMessage(reader);
                break;
            case 82 /* MessageCodes.AuthenticationResponse */:
                message = parseAuthenticationResponse(reader, length);
                break;
            case 83 /* MessageCodes.ParameterStatus */:
                message = parseParameterStatusMessage(reader);
                break;
            case 75 /* MessageCodes.BackendKeyData */:
                message = parseBackendKeyData(reader);
                break;
            case 69 /* MessageCodes.ErrorMessage */:
                message = parseErrorMessage(reader, 'error');
                break;
            case 78 /* MessageCodes.NoticeMessage */:
                message = parseErrorMessage(reader, 'notice');
                break;
            case 84 /* MessageCodes.RowDescriptionMessage */:
                message = parseRowDescriptionMessage(reader);
                break;
            case 116 /* MessageCodes.ParameterDescriptionMessage */:
                message = parseParameterDescriptionMessage(reader);
                break;
            case 71 /* MessageCodes.CopyIn */:
                message = parseCopyInMessage(reader);
                break;
            case 72 /* MessageCodes.CopyOut */:
                message = parseCopyOutMessage(reader);
                break;
            case 100 /* MessageCodes.CopyData */:
                message = parseCopyData(reader, length);
                break;
            default:
                return new messages_1.DatabaseError('received invalid response: ' + code.toString(16), length, 'error');
        }
        reader.setBuffer(0, emptyBuffer);
        message.length = length;
        return message;
    }
}
exports.Parser = Parser;
const parseReadyForQueryMessage = (reader) => {
    const status = reader.string(1);
    return new messages_1.ReadyForQueryMessage(LATEINIT_LENGTH, status);
};
const parseCommandCompleteMessage = (reader) => {
    const text = reader.cstring();
    return new messages_1.CommandCompleteMessage(LATEINIT_LENGTH, text);
};
const parseCopyData = (reader, length) => {
    const chunk = reader.bytes(length - 4);
    return new messages_1.CopyDataMessage(LATEINIT_LENGTH, chunk);
};
const parseCopyInMessage = (reader) => parseCopyMessage(reader, 'copyInResponse');
const parseCopyOutMessage = (reader) => parseCopyMessage(reader, 'copyOutResponse');
const parseCopyMessage = (reader, messageName) => {
    const isBinary = reader.byte() !== 0;
    const columnCount = reader.int16();
    const message = new messages_1.CopyResponse(LATEINIT_LENGTH, messageName, isBinary, columnCount);
    for (let i = 0; i < columnCount; i++) {
        message.columnTypes[i] = reader.int16();
    }
    return message;
};
const parseNotificationMessage = (reader) => {
    const processId = reader.int32();
    const channel = reader.cstring();
    const payload = reader.cstring();
    return new messages_1.NotificationResponseMessage(LATEINIT_LENGTH, processId, channel, payload);
};
const parseRowDescriptionMessage = (reader) => {
    const fieldCount = reader.int16();
    const message = new messages_1.RowDescriptionMessage(LATEINIT_LENGTH, fieldCount);
    for (let i = 0; i < fieldCount; i++) {
        message.fields[i] = parseField(reader);
    }
    return message;
};
const parseField = (reader) => {
    const name = reader.cstring();
    const tableID = reader.uint32();
    const columnID = reader.int16();
    const dataTypeID = reader.uint32();
    const dataTypeSize = reader.int16();
    const dataTypeModifier = reader.int32();
    const mode = reader.int16() === 0 ? 'text' : 'binary';
    return new messages_1.Field(name, tableID, columnID, dataTypeID, dataTypeSize, dataTypeModifier, mode);
};
const parseParameterDescriptionMessage = (reader) => {
    const parameterCount = reader.int16();
    const message = new messages_1.ParameterDescriptionMessage(LATEINIT_LENGTH, parameterCount);
    for (let i = 0; i < parameterCount; i++) {
        // OIDs are unsigned, same as dataTypeID in parseField above
        message.dataTypeIDs[i] = reader.uint32();
    }
    return message;
};
const parseDataRowMessage = (reader) => {
    const fieldCount = reader.int16();
    const fields = new Array(fieldCount);
    for (let i = 0; i < fieldCount; i++) {
        const len = reader.int32();
        // a -1 for length means the value of the field is null
        fields[i] = len === -1 ? null : reader.string(len);
    }
    return new messages_1.DataRowMessage(LATEINIT_LENGTH, fields);
};
const parseParameterStatusMessage = (reader) => {
    const name = reader.cstring();
    const value = reader.cstring();
    return new messages_1.ParameterStatusMessage(LATEINIT_LENGTH, name, value);
};
const parseBackendKeyData = (reader) => {
    const processID = reader.int32();
    const secretKey = reader.int32();
    return new messages_1.BackendKeyDataMessage(LATEINIT_LENGTH, processID, secretKey);
};
const parseAuthenticationResponse = (reader, length) => {
    const code = reader.int32();
    // TODO(bmc): maybe better types here
    const message = {
        name: 'authenticationOk',
        length,
    };
    switch (code) {
        case 0: // AuthenticationOk
            break;
        case 3: // AuthenticationCleartextPassword
            if (message.length === 8) {
                message.name = 'authenticationCleartextPassword';
            }
            break;
        case 5: // AuthenticationMD5Password
            if (message.length === 12) {
                message.name = 'authenticationMD5Password';
                const salt = reader.bytes(4);
                return new messages_1.AuthenticationMD5Password(LATEINIT_LENGTH, salt);
            }
            break;
        case 10: // AuthenticationSASL
            {
                message.name = 'authenticationSASL';
                message.mechanisms = [];
                let mechanism;
                do {
                    mechanism = reader.cstring();
                    if (mechanism) {
                        message.mechanisms.push(mechanism);
                    }
                } while (mechanism);
            }
            break;
        case 11: // AuthenticationSASLContinue
            message.name = 'authenticationSASLContinue';
            message.data = reader.string(length - 8);
            break;
        case 12: // AuthenticationSASLFinal
            message.name = 'authenticationSASLFinal';
            message.data = reader.string(length - 8);
            break;
        default:
            throw new Error('Unknown authenticationOk message type ' + code);
    }
    return message;
};
const parseErrorMessage = (reader, name) => {
    const fields = {};
    let fieldType = reader.string(1);
    while (fieldType !== '\0') {
        fields[fieldType] = reader.cstring();
        fieldType = reader.string(1);
    }
    const messageValue = fields.M;
    const message = name === 'notice'
        ? new messages_1.NoticeMessage(LATEINIT_LENGTH, messageValue)
        : new messages_1.DatabaseError(messageValue, LATEINIT_LENGTH, name);
    message.severity = fields.S;
    message.code = fields.C;
    message.detail = fields.D;
    message.hint = fields.H;
    message.position = fields.P;
    message.internalPosition = fields.p;
    message.internalQuery = fields.q;
    message.where = fields.W;
    message.schema = fields.s;
    message.table = fields.t;
    message.column = fields.c;
    message.dataType = fields.d;
    message.constraint = fields.n;
    message.file = fields.F;
    message.line = fields.L;
    message.routine = fields.R;
    return message;
};
//# sourceMappingURL=parser.js.map

/***/ }),

/***/ 6513:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.serialize = void 0;
const buffer_writer_1 = __nccwpck_require__(9315);
const writer = new buffer_writer_1.Writer();
const startup = (opts) => {
    // protocol version
    writer.addInt16(3).addInt16(0);
    for (const key of Object.keys(opts)) {
        writer.addCString(key).addCString(opts[key]);
    }
    writer.addCString('client_encoding').addCString('UTF8');
    const bodyBuffer = writer.addCString('').flush();
    // this message is sent without a code
    const length = bodyBuffer.length + 4;
    return new buffer_writer_1.Writer().addInt32(length).add(bodyBuffer).flush();
};
const requestSsl = () => {
    const response = Buffer.allocUnsafe(8);
    response.writeInt32BE(8, 0);
    response.writeInt32BE(80877103, 4);
    return response;
};
const password = (password) => {
    return writer.addCString(password).flush(112 /* code.startup */);
};
const sendSASLInitialResponseMessage = function (mechanism, initialResponse) {
    // 0x70 = 'p'
    writer.addCString(mechanism).addInt32PrefixedString(initialResponse);
    return writer.flush(112 /* code.startup */);
};
const sendSCRAMClientFinalMessage = function (additionalData) {
    return writer.addString(additionalData).flush(112 /* code.startup */);
};
const query = (text) => {
    return writer.addCString(text).flush(81 /* code.query */);
};
const emptyArray = [];
const parse = (query) => {
    // expect something like this:
    // { name: 'queryName',
    //   text: 'select * from blah',
    //   types: ['int8', 'bool'] }
    // normalize missing query names to allow for null
    const name = query.name || '';
    if (name.length > 63) {
        console.error('Warning! Postgres only supports 63 characters for query names.');
        console.error('You supplied %s (%s)', name, name.length);
        console.error('This can cause conflicts and silent errors executing queries');
    }
    const types = query.types || emptyArray;
    const len = types.length;
    const buffer = writer
        .addCString(name) // name of query
        .addCString(query.text) // actual query text
        .addInt16(len);
    for (let i = 0; i < len; i++) {
        buffer.addInt32(types[i]);
    }
    return writer.flush(80 /* code.parse */);
};
const writeValues = function (values, valueMapper, formatsOffset) {
    const len = values.length;
    for (let i = 0; i < len; i++) {
        const mappedVal = valueMapper ? valueMapper(values[i], i) : values[i];
        let formatByte = 0 /* ParamType.STRING */;
        if (mappedVal == null) {
            // write -1 to indicate null
            writer.addInt32(-1);
        }
        else if (mappedVal instanceof Buffer) {
            formatByte = 1 /* ParamType.BINARY */;
            // add the buffer to the param writer
            writer.addInt32(mappedVal.length);
            writer.add(mappedVal);
        }
        else {
            // length prefix + UTF-8 bytes in one pass (Buffer.byteLength computed once)
            writer.addInt32PrefixedString(mappedVal);
        }
        // beware: `writer` operations can replace `writer.buffer` with a new buffer
        const buf = writer.buffer;
        buf[formatsOffset++] = 0;
        buf[formatsOffset++] = formatByte;
    }
};
const bind = (config = {}) => {
    // normalize config
    const portal = config.portal || '';
    const statement = config.statement || '';
    const binary = config.binary || false;
    const values = config.values || emptyArray;
    const len = values.length;
    writer.addCString(portal).addCString(statement);
    // number of parameter format codes
    writer.addInt16(len);
    // space for those codes, filled by `writeValues`
    const formatsOffset = writer.reserveUnsafe(len * 2);
    // number of parameter values
    writer.addInt16(len);
    try {
        writeValues(values, config.valueMapper, formatsOffset);
    }
    catch (err) {
        writer.clear();
        throw err;
    }
    // all results use the same format code
    writer.addInt16(1);
    // format code
    writer.addInt16(binary ? 1 /* ParamType.BINARY */ : 0 /* ParamType.STRING */);
    return writer.flush(66 /* code.bind */);
};
const emptyExecute = Buffer.from([69 /* code.execute */, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00]);
const execute = (config) => {
    // this is the happy path for most queries
    if (!config || (!config.portal && !config.rows)) {
        return emptyExecute;
    }
    const portal = config.portal || '';
    const rows = config.rows || 0;
    const portalLength = Buffer.byteLength(portal);
    const len = 4 + portalLength + 1 + 4;
    // one extra bit for code
    const buff = Buffer.allocUnsafe(1 + len);
    buff[0] = 69 /* code.execute */;
    buff.writeInt32BE(len, 1);
    buff.write(portal, 5, 'utf-8');
    buff[portalLength + 5] = 0; // null terminate portal cString
    buff.writeUInt32BE(rows, buff.length - 4);
    return buff;
};
const cancel = (processID, secretKey) => {
    const buffer = Buffer.allocUnsafe(16);
    buffer.writeInt32BE(16, 0);
    buffer.writeInt16BE(1234, 4);
    buffer.writeInt16BE(5678, 6);
    buffer.writeInt32BE(processID, 8);
    buffer.writeInt32BE(secretKey, 12);
    return buffer;
};
const cstringMessage = (code, string) => {
    const stringLen = Buffer.byteLength(string);
    const len = 4 + stringLen + 1;
    // one extra bit for code
    const buffer = Buffer.allocUnsafe(1 + len);
    buffer[0] = code;
    buffer.writeInt32BE(len, 1);
    buffer.write(string, 5, 'utf-8');
    buffer[len] = 0; // null terminate cString
    return buffer;
};
const emptyDescribePortal = writer.addCString('P').flush(68 /* code.describe */);
const emptyDescribeStatement = writer.addCString('S').flush(68 /* code.describe */);
const describe = (msg) => {
    return msg.name
        ? cstringMessage(68 /* code.describe */, `${msg.type}${msg.name || ''}`)
        : msg.type === 'P'
            ? emptyDescribePortal
            : emptyDescribeStatement;
};
const close = (msg) => {
    const text = `${msg.type}${msg.name || ''}`;
    return cstringMessage(67 /* code.close */, text);
};
const copyData = (chunk) => {
    return writer.add(chunk).flush(100 /* code.copyFromChunk */);
};
const copyFail = (message) => {
    return cstringMessage(102 /* code.copyFail */, message);
};
const codeOnlyBuffer = (code) => Buffer.from([code, 0x00, 0x00, 0x00, 0x04]);
const flushBuffer = codeOnlyBuffer(72 /* code.flush */);
const syncBuffer = codeOnlyBuffer(83 /* code.sync */);
const endBuffer = codeOnlyBuffer(88 /* code.end */);
const copyDoneBuffer = codeOnlyBuffer(99 /* code.copyDone */);
const serialize = {
    startup,
    password,
    requestSsl,
    sendSASLInitialResponseMessage,
    sendSCRAMClientFinalMessage,
    query,
    parse,
    bind,
    execute,
    describe,
    close,
    flush: () => flushBuffer,
    sync: () => syncBuffer,
    end: () => endBuffer,
    copyData,
    copyDone: () => copyDoneBuffer,
    copyFail,
    cancel,
};
exports.serialize = serialize;
//# sourceMappingURL=serializer.js.map

/***/ }),

/***/ 1549:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {

var textParsers = __nccwpck_require__(4784);
var binaryParsers = __nccwpck_require__(7522);
var arrayParser = __nccwpck_require__(6471);
var builtinTypes = __nccwpck_require__(6345);

exports.getTypeParser = getTypeParser;
exports.setTypeParser = setTypeParser;
exports.arrayParser = arrayParser;
exports.builtins = builtinTypes;

var typeParsers = {
  text: {},
  binary: {}
};

//the empty parse function
function noParse (val) {
  return String(val);
};

//returns a function used to convert a specific type (specified by
//oid) into a result javascript type
//note: the oid can be obtained via the following sql query:
//SELECT oid FROM pg_type WHERE typname = 'TYPE_NAME_HERE';
function getTypeParser (oid, format) {
  format = format || 'text';
  if (!typeParsers[format]) {
    return noParse;
  }
  return typeParsers[format][oid] || noParse;
};

function setTypeParser (oid, format, parseFn) {
  if(typeof format == 'function') {
    parseFn = format;
    format = 'text';
  }
  typeParsers[format][oid] = parseFn;
};

textParsers.init(function(oid, converter) {
  typeParsers.text[oid] = converter;
});

binaryParsers.init(function(oid, converter) {
  typeParsers.binary[oid] = converter;
});


/***/ }),

/***/ 6471:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {

var array = __nccwpck_require__(3879);

module.exports = {
  create: function (source, transform) {
    return {
      parse: function() {
        return array.parse(source, transform);
      }
    };
  }
};


/***/ }),

/***/ 7522:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {

var parseInt64 = __nccwpck_require__(2299);

var parseBits = function(data, bits, offset, invert, callback) {
  offset = offset || 0;
  invert = invert || false;
  callback = callback || function(lastValue, newValue, bits) { return (lastValue * Math.pow(2, bits)) + newValue; };
  var offsetBytes = offset >> 3;

  var inv = function(value) {
    if (invert) {
      return ~value & 0xff;
    }

    return value;
  };

  // read first (maybe partial) byte
  var mask = 0xff;
  var firstBits = 8 - (offset % 8);
  if (bits < firstBits) {
    mask = (0xff << (8 - bits)) & 0xff;
    firstBits = bits;
  }

  if (offset) {
    mask = mask >> (offset % 8);
  }

  var result = 0;
  if ((offset % 8) + bits >= 8) {
    result = callback(0, inv(data[offsetBytes]) & mask, firstBits);
  }

  // read bytes
  var bytes = (bits + offset) >> 3;
  for (var i = offsetBytes + 1; i < bytes; i++) {
    result = callback(result, inv(data[i]), 8);
  }

  // bits to read, that are not a complete byte
  var lastBits = (bits + offset) % 8;
  if (lastBits > 0) {
    result = callback(result, inv(data[bytes]) >> (8 - lastBits), lastBits);
  }

  return result;
};

var parseFloatFromBits = function(data, precisionBits, exponentBits) {
  var bias = Math.pow(2, exponentBits - 1) - 1;
  var sign = parseBits(data, 1);
  var exponent = parseBits(data, exponentBits, 1);

  if (exponent === 0) {
    return 0;
  }

  // parse mantissa
  var precisionBitsCounter = 1;
  var parsePrecisionBits = function(lastValue, newValue, bits) {
    if (lastValue === 0) {
      lastValue = 1;
    }

    for (var i = 1; i <= bits; i++) {
      precisionBitsCounter /= 2;
      if ((newValue & (0x1 << (bits - i))) > 0) {
        lastValue += precisionBitsCounter;
      }
    }

    return lastValue;
  };

  var mantissa = parseBits(data, precisionBits, exponentBits + 1, false, parsePrecisionBits);

  // special cases
  if (exponent == (Math.pow(2, exponentBits + 1) - 1)) {
    if (mantissa === 0) {
      return (sign === 0) ? Infinity : -Infinity;
    }

    return NaN;
  }

  // normale number
  return ((sign === 0) ? 1 : -1) * Math.pow(2, exponent - bias) * mantissa;
};

var parseInt16 = function(value) {
  if (parseBits(value, 1) == 1) {
    return -1 * (parseBits(value, 15, 1, true) + 1);
  }

  return parseBits(value, 15, 1);
};

var parseInt32 = function(value) {
  if (parseBits(value, 1) == 1) {
    return -1 * (parseBits(value, 31, 1, true) + 1);
  }

  return parseBits(value, 31, 1);
};

var parseFloat32 = function(value) {
  return parseFloatFromBits(value, 23, 8);
};

var parseFloat64 = function(value) {
  return parseFloatFromBits(value, 52, 11);
};

var parseNumeric = function(value) {
  var sign = parseBits(value, 16, 32);
  if (sign == 0xc000) {
    return NaN;
  }

  var weight = Math.pow(10000, parseBits(value, 16, 16));
  var result = 0;

  var digits = [];
  var ndigits = parseBits(value, 16);
  for (var i = 0; i < ndigits; i++) {
    result += parseBits(value, 16, 64 + (16 * i)) * weight;
    weight /= 10000;
  }

  var scale = Math.pow(10, parseBits(value, 16, 48));
  return ((sign === 0) ? 1 : -1) * Math.round(result * scale) / scale;
};

var parseDate = function(isUTC, value) {
  var sign = parseBits(value, 1);
  var rawValue = parseBits(value, 63, 1);

  // discard usecs and shift from 2000 to 1970
  var result = new Date((((sign === 0) ? 1 : -1) * rawValue / 1000) + 946684800000);

  if (!isUTC) {
    result.setTime(result.getTime() + result.getTimezoneOffset() * 60000);
  }

  // add microseconds to the date
  result.usec = rawValue % 1000;
  result.getMicroSeconds = function() {
    return this.usec;
  };
  result.setMicroSeconds = function(value) {
    this.usec = value;
  };
  result.getUTCMicroSeconds = function() {
    return this.usec;
  };

  return result;
};

var parseArray = function(value) {
  var dim = parseBits(value, 32);

  var flags = parseBits(value, 32, 32);
  var elementType = parseBits(value, 32, 64);

  var offset = 96;
  var dims = [];
  for (var i = 0; i < dim; i++) {
    // parse dimension
    dims[i] = parseBits(value, 32, offset);
    offset += 32;

    // ignore lower bounds
    offset += 32;
  }

  var parseElement = function(elementType) {
    // parse content length
    var length = parseBits(value, 32, offset);
    offset += 32;

    // parse null values
    if (length == 0xffffffff) {
      return null;
    }

    var result;
    if ((elementType == 0x17) || (elementType == 0x14)) {
      // int/bigint
      result = parseBits(value, length * 8, offset);
      offset += length * 8;
      return result;
    }
    else if (elementType == 0x19) {
      // string
      result = value.toString(this.encoding, offset >> 3, (offset += (length << 3)) >> 3);
      return result;
    }
    else {
      console.log("ERROR: ElementType not implemented: " + elementType);
    }
  };

  var parse = function(dimension, elementType) {
    var array = [];
    var i;

    if (dimension.length > 1) {
      var count = dimension.shift();
      for (i = 0; i < count; i++) {
        array[i] = parse(dimension, elementType);
      }
      dimension.unshift(count);
    }
    else {
      for (i = 0; i < dimension[0]; i++) {
        array[i] = parseElement(elementType);
      }
    }

    return array;
  };

  return parse(dims, elementType);
};

var parseText = function(value) {
  return value.toString('utf8');
};

var parseBool = function(value) {
  if(value === null) return null;
  return (parseBits(value, 8) > 0);
};

var init = function(register) {
  register(20, parseInt64);
  register(21, parseInt16);
  register(23, parseInt32);
  register(26, parseInt32);
  register(1700, parseNumeric);
  register(700, parseFloat32);
  register(701, parseFloat64);
  register(16, parseBool);
  register(1114, parseDate.bind(null, false));
  register(1184, parseDate.bind(null, true));
  register(1000, parseArray);
  register(1007, parseArray);
  register(1016, parseArray);
  register(1008, parseArray);
  register(1009, parseArray);
  register(25, parseText);
};

module.exports = {
  init: init
};


/***/ }),

/***/ 6345:
/***/ ((module) => {

/**
 * Following query was used to generate this file:

 SELECT json_object_agg(UPPER(PT.typname), PT.oid::int4 ORDER BY pt.oid)
 FROM pg_type PT
 WHERE typnamespace = (SELECT pgn.oid FROM pg_namespace pgn WHERE nspname = 'pg_catalog') -- Take only builting Postgres types with stable OID (extension types are not guaranted to be stable)
 AND typtype = 'b' -- Only basic types
 AND typelem = 0 -- Ignore aliases
 AND typisdefined -- Ignore undefined types
 */

module.exports = {
    BOOL: 16,
    BYTEA: 17,
    CHAR: 18,
    INT8: 20,
    INT2: 21,
    INT4: 23,
    REGPROC: 24,
    TEXT: 25,
    OID: 26,
    TID: 27,
    XID: 28,
    CID: 29,
    JSON: 114,
    XML: 142,
    PG_NODE_TREE: 194,
    SMGR: 210,
    PATH: 602,
    POLYGON: 604,
    CIDR: 650,
    FLOAT4: 700,
    FLOAT8: 701,
    ABSTIME: 702,
    RELTIME: 703,
    TINTERVAL: 704,
    CIRCLE: 718,
    MACADDR8: 774,
    MONEY: 790,
    MACADDR: 829,
    INET: 869,
    ACLITEM: 1033,
    BPCHAR: 1042,
    VARCHAR: 1043,
    DATE: 1082,
    TIME: 1083,
    TIMESTAMP: 1114,
    TIMESTAMPTZ: 1184,
    INTERVAL: 1186,
    TIMETZ: 1266,
    BIT: 1560,
    VARBIT: 1562,
    NUMERIC: 1700,
    REFCURSOR: 1790,
    REGPROCEDURE: 2202,
    REGOPER: 2203,
    REGOPERATOR: 2204,
    REGCLASS: 2205,
    REGTYPE: 2206,
    UUID: 2950,
    TXID_SNAPSHOT: 2970,
    PG_LSN: 3220,
    PG_NDISTINCT: 3361,
    PG_DEPENDENCIES: 3402,
    TSVECTOR: 3614,
    TSQUERY: 3615,
    GTSVECTOR: 3642,
    REGCONFIG: 3734,
    REGDICTIONARY: 3769,
    JSONB: 3802,
    REGNAMESPACE: 4089,
    REGROLE: 4096
};


/***/ }),

/***/ 4784:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {

var array = __nccwpck_require__(3879)
var arrayParser = __nccwpck_require__(6471);
var parseDate = __nccwpck_require__(2690);
var parseInterval = __nccwpck_require__(8755);
var parseByteA = __nccwpck_require__(463);

function allowNull (fn) {
  return function nullAllowed (value) {
    if (value === null) return value
    return fn(value)
  }
}

function parseBool (value) {
  if (value === null) return value
  return value === 'TRUE' ||
    value === 't' ||
    value === 'true' ||
    value === 'y' ||
    value === 'yes' ||
    value === 'on' ||
    value === '1';
}

function parseBoolArray (value) {
  if (!value) return null
  return array.parse(value, parseBool)
}

function parseBaseTenInt (string) {
  return parseInt(string, 10)
}

function parseIntegerArray (value) {
  if (!value) return null
  return array.parse(value, allowNull(parseBaseTenInt))
}

function parseBigIntegerArray (value) {
  if (!value) return null
  return array.parse(value, allowNull(function (entry) {
    return parseBigInteger(entry).trim()
  }))
}

var parsePointArray = function(value) {
  if(!value) { return null; }
  var p = arrayParser.create(value, function(entry) {
    if(entry !== null) {
      entry = parsePoint(entry);
    }
    return entry;
  });

  return p.parse();
};

var parseFloatArray = function(value) {
  if(!value) { return null; }
  var p = arrayParser.create(value, function(entry) {
    if(entry !== null) {
      entry = parseFloat(entry);
    }
    return entry;
  });

  return p.parse();
};

var parseStringArray = function(value) {
  if(!value) { return null; }

  var p = arrayParser.create(value);
  return p.parse();
};

var parseDateArray = function(value) {
  if (!value) { return null; }

  var p = arrayParser.create(value, function(entry) {
    if (entry !== null) {
      entry = parseDate(entry);
    }
    return entry;
  });

  return p.parse();
};

var parseIntervalArray = function(value) {
  if (!value) { return null; }

  var p = arrayParser.create(value, function(entry) {
    if (entry !== null) {
      entry = parseInterval(entry);
    }
    return entry;
  });

  return p.parse();
};

var parseByteAArray = function(value) {
  if (!value) { return null; }

  return array.parse(value, allowNull(parseByteA));
};

var parseInteger = function(value) {
  return parseInt(value, 10);
};

var parseBigInteger = function(value) {
  var valStr = String(value);
  if (/^\d+$/.test(valStr)) { return valStr; }
  return value;
};

var parseJsonArray = function(value) {
  if (!value) { return null; }

  return array.parse(value, allowNull(JSON.parse));
};

var parsePoint = function(value) {
  if (value[0] !== '(') { return null; }

  value = value.substring( 1, value.length - 1 ).split(',');

  return {
    x: parseFloat(value[0])
  , y: parseFloat(value[1])
  };
};

var parseCircle = function(value) {
  if (value[0] !== '<' && value[1] !== '(') { return null; }

  var point = '(';
  var radius = '';
  var pointParsed = false;
  for (var i = 2; i < value.length - 1; i++){
    if (!pointParsed) {
      point += value[i];
    }

    if (value[i] === ')') {
      pointParsed = true;
      continue;
    } else if (!pointParsed) {
      continue;
    }

    if (value[i] === ','){
      continue;
    }

    radius += value[i];
  }
  var result = parsePoint(point);
  result.radius = parseFloat(radius);

  return result;
};

var init = function(register) {
  register(20, parseBigInteger); // int8
  register(21, parseInteger); // int2
  register(23, parseInteger); // int4
  register(26, parseInteger); // oid
  register(700, parseFloat); // float4/real
  register(701, parseFloat); // float8/double
  register(16, parseBool);
  register(1082, parseDate); // date
  register(1114, parseDate); // timestamp without timezone
  register(1184, parseDate); // timestamp
  register(600, parsePoint); // point
  register(651, parseStringArray); // cidr[]
  register(718, parseCircle); // circle
  register(1000, parseBoolArray);
  register(1001, parseByteAArray);
  register(1005, parseIntegerArray); // _int2
  register(1007, parseIntegerArray); // _int4
  register(1028, parseIntegerArray); // oid[]
  register(1016, parseBigIntegerArray); // _int8
  register(1017, parsePointArray); // point[]
  register(1021, parseFloatArray); // _float4
  register(1022, parseFloatArray); // _float8
  register(1231, parseFloatArray); // _numeric
  register(1014, parseStringArray); //char
  register(1015, parseStringArray); //varchar
  register(1008, parseStringArray);
  register(1009, parseStringArray);
  register(1040, parseStringArray); // macaddr[]
  register(1041, parseStringArray); // inet[]
  register(1115, parseDateArray); // timestamp without time zone[]
  register(1182, parseDateArray); // _date
  register(1185, parseDateArray); // timestamp with time zone[]
  register(1186, parseInterval);
  register(1187, parseIntervalArray);
  register(17, parseByteA);
  register(114, JSON.parse.bind(JSON)); // json
  register(3802, JSON.parse.bind(JSON)); // jsonb
  register(199, parseJsonArray); // json[]
  register(3807, parseJsonArray); // jsonb[]
  register(3907, parseStringArray); // numrange[]
  register(2951, parseStringArray); // uuid[]
  register(791, parseStringArray); // money[]
  register(1183, parseStringArray); // time[]
  register(1270, parseStringArray); // timetz[]
};

module.exports = {
  init: init
};


/***/ }),

/***/ 5042:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {

const EventEmitter = (__nccwpck_require__(4434).EventEmitter)
const utils = __nccwpck_require__(9652)
const nodeUtils = __nccwpck_require__(9023)
const sasl = __nccwpck_require__(948)
const TypeOverrides = __nccwpck_require__(365)

const ConnectionParameters = __nccwpck_require__(646)
const Query = __nccwpck_require__(4473)
const defaults = __nccwpck_require__(8995)
const Connection = __nccwpck_require__(9809)
const crypto = __nccwpck_require__(4150)

const activeQueryDeprecationNotice = nodeUtils.deprecate(
  () => {},
  'Client.activeQuery is deprecated and will be removed in pg@9.0'
)

const queryQueueDeprecationNotice = nodeUtils.deprecate(
  () => {},
  'Client.queryQueue is deprecated and will be removed in pg@9.0.'
)

const pgPassDeprecationNotice = nodeUtils.deprecate(
  () => {},
  'pgpass support is deprecated and will be removed in pg@9.0. ' +
    'You can provide an async function as the password property to the Client/Pool constructor that returns a password instead. Within this function you can call the pgpass module in your own code.'
)

const byoPromiseDeprecationNotice = nodeUtils.deprecate(
  () => {},
  'Passing a custom Promise implementation to the Client/Pool constructor is deprecated and will be removed in pg@9.0.'
)

const queryQueueLengthDeprecationNotice = nodeUtils.deprecate(
  () => {},
  'Calling client.query() when the client is already executing a query is deprecated and will be removed in pg@9.0. Use async/await or an external async flow control mechanism instead.'
)

function coerceNumberOrDefault(value, defaultValue) {
  if (typeof value === 'number') {
    return Number.isFinite(value) ? value : defaultValue
  }
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value)
    return Number.isFinite(n) ? n : defaultValue
  }
  return defaultValue
}

class Client extends EventEmitter {
  constructor(config) {
    super()

    this.connectionParameters = new ConnectionParameters(config)
    this.user = this.connectionParameters.user
    this.database = this.connectionParameters.database
    this.port = this.connectionParameters.port
    this.host = this.connectionParameters.host

    // "hiding" the password so it doesn't show up in stack traces
    // or if the client is console.logged
    Object.defineProperty(this, 'password', {
      configurable: true,
      enumerable: false,
      writable: true,
      value: this.connectionParameters.password,
    })

    this.replication = this.connectionParameters.replication

    const c = config || {}

    if (c.Promise) {
      byoPromiseDeprecationNotice()
    }
    this._Promise = c.Promise || global.Promise
    this._types = new TypeOverrides(c.types)
    this._ending = false
    this._ended = false
    this._connecting = false
    this._connected = false
    this._connectionError = false
    this._queryable = true
    this._activeQuery = null
    this._txStatus = null

    this.enableChannelBinding = Boolean(c.enableChannelBinding) // set true to use SCRAM-SHA-256-PLUS when offered
    this.scramMaxIterations = coerceNumberOrDefault(c.scramMaxIterations, sasl.DEFAULT_MAX_SCRAM_ITERATIONS)
    this.connection =
      c.connection ||
      new Connection({
        stream: c.stream,
        ssl: this.connectionParameters.ssl,
        sslNegotiation: this.connectionParameters.sslnegotiation,
        keepAlive: c.keepAlive || false,
        keepAliveInitialDelayMillis: c.keepAliveInitialDelayMillis || 0,
        encoding: this.connectionParameters.client_encoding || 'utf8',
      })
    this._queryQueue = []
    this._sentQueryQueue = []
    this.pipeline = Boolean(c.pipeline)
    this.binary = c.binary || defaults.binary
    this.processID = null
    this.secretKey = null
    this.ssl = this.connectionParameters.ssl || false
    this.sslNegotiation = this.connectionParameters.sslnegotiation || 'postgres'
    // As with Password, make SSL->Key (the private key) non-enumerable.
    // It won't show up in stack traces
    // or if the client is console.logged
    if (this.ssl && this.ssl.key) {
      Object.defineProperty(this.ssl, 'key', {
        enumerable: false,
      })
    }

    this._connectionTimeoutMillis = c.connectionTimeoutMillis || 0
  }

  get activeQuery() {
    activeQueryDeprecationNotice()
    return this._activeQuery
  }

  set activeQuery(val) {
    activeQueryDeprecationNotice()
    this._activeQuery = val
  }

  _getActiveQuery() {
    return this._activeQuery
  }

  _errorAllQueries(err) {
    const enqueueError = (query) => {
      process.nextTick(() => {
        query.handleError(err, this.connection)
      })
    }

    const activeQuery = this._getActiveQuery()
    if (activeQuery) {
      enqueueError(activeQuery)
      this._activeQuery = null
    }

    this._sentQueryQueue.forEach(enqueueError)
    this._sentQueryQueue.length = 0

    this._queryQueue.forEach(enqueueError)
    this._queryQueue.length = 0
  }

  _connect(callback) {
    const self = this
    const con = this.connection
    this._connectionCallback = callback

    if (this._connecting || this._connected) {
      const err = new Error('Client has already been connected. You cannot reuse a client.')
      process.nextTick(() => {
        callback(err)
      })
      return
    }
    this._connecting = true

    if (this._connectionTimeoutMillis > 0) {
      this.connectionTimeoutHandle = setTimeout(() => {
        con._ending = true
        con.stream.destroy(new Error('timeout expired'))
      }, this._connectionTimeoutMillis)

      if (this.connectionTimeoutHandle.unref) {
        this.connectionTimeoutHandle.unref()
      }
    }

    if (this.host && this.host.indexOf('/') === 0) {
      con.connect(this.host + '/.s.PGSQL.' + this.port)
    } else {
      con.connect(this.port, this.host)
    }

    // once connection is established send startup message
    con.on('connect', function () {
      if (self.ssl) {
        // With direct SSL negotiation the connection upgrades to TLS without an
        // SSLRequest packet, so the startup message is sent after 'sslconnect'.
        if (self.sslNegotiation !== 'direct') {
          con.requestSsl()
        }
      } else {
        con.startup(self.getStartupConf())
      }
    })

    con.on('sslconnect', function () {
      con.startup(self.getStartupConf())
    })

    this._attachListeners(con)

    con.once('end', () => {
      const error = this._ending ? new Error('Connection terminated') : new Error('Connection terminated unexpectedly')

      clearTimeout(this.connectionTimeoutHandle)
      this._errorAllQueries(error)
      this._ended = true

      if (!this._ending) {
        // if the connection is ended without us calling .end()
        // on this client then we have an unexpected disconnection
        // treat this as an error unless we've already emitted an error
        // during connection.
        if (this._connecting && !this._connectionError) {
          if (this._connectionCallback) {
            this._connectionCallback(error)
          } else {
            this._handleErrorEvent(error)
          }
        } else if (!this._connectionError) {
          this._handleErrorEvent(error)
        }
      }

      process.nextTick(() => {
        this.emit('end')
      })
    })
  }

  connect(callback) {
    if (callback) {
      this._connect(callback)
      return
    }

    return new this._Promise((resolve, reject) => {
      this._connect((error) => {
        if (error) {
          reject(error)
        } else {
          resolve(this)
        }
      })
    })
  }

  _attachListeners(con) {
    // password request handling
    con.on('authenticationCleartextPassword', this._handleAuthCleartextPassword.bind(this))
    // password request handling
    con.on('authenticationMD5Password', this._handleAuthMD5Password.bind(this))
    // password request handling (SASL)
    con.on('authenticationSASL', this._handleAuthSASL.bind(this))
    con.on('authenticationSASLContinue', this._handleAuthSASLContinue.bind(this))
    con.on('authenticationSASLFinal', this._handleAuthSASLFinal.bind(this))
    con.on('backendKeyData', this._handleBackendKeyData.bind(this))
    con.on('error', this._handleErrorEvent.bind(this))
    con.on('errorMessage', this._handleErrorMessage.bind(this))
    con.on('readyForQuery', this._handleReadyForQuery.bind(this))
    con.on('notice', this._handleNotice.bind(this))
    con.on('rowDescription', this._handleRowDescription.bind(this))
    con.on('dataRow', this._handleDataRow.bind(this))
    con.on('portalSuspended', this._handlePortalSuspended.bind(this))
    con.on('emptyQuery', this._handleEmptyQuery.bind(this))
    con.on('commandComplete', this._handleCommandComplete.bind(this))
    con.on('parseComplete', this._handleParseComplete.bind(this))
    con.on('copyInResponse', this._handleCopyInResponse.bind(this))
    con.on('copyData', this._handleCopyData.bind(this))
    con.on('notification', this._handleNotification.bind(this))
  }

  _getPassword(cb) {
    const con = this.connection
    if (typeof this.password === 'function') {
      this._Promise
        .resolve()
        .then(() => this.password(this.connectionParameters))
        .then((pass) => {
          if (pass !== undefined) {
            if (typeof pass !== 'string') {
              con.emit('error', new TypeError('Password must be a string'))
              return
            }
            this.connectionParameters.password = this.password = pass
          } else {
            this.connectionParameters.password = this.password = null
          }
          cb()
        })
        .catch((err) => {
          con.emit('error', err)
        })
    } else if (this.password !== null) {
      cb()
    } else {
      try {
        const pgPass = __nccwpck_require__(3272)
        pgPass(this.connectionParameters, (pass) => {
          if (undefined !== pass) {
            pgPassDeprecationNotice()
            this.connectionParameters.password = this.password = pass
          }
          cb()
        })
      } catch (e) {
        this.emit('error', e)
      }
    }
  }

  _handleAuthCleartextPassword(msg) {
    this._getPassword(() => {
      this.connection.password(this.password)
    })
  }

  _handleAuthMD5Password(msg) {
    this._getPassword(async () => {
      try {
        const hashedPassword = await crypto.postgresMd5PasswordHash(this.user, this.password, msg.salt)
        this.connection.password(hashedPassword)
      } catch (e) {
        this.emit('error', e)
      }
    })
  }

  _handleAuthSASL(msg) {
    this._getPassword(() => {
      try {
        this.saslSession = sasl.startSession(
          msg.mechanisms,
          this.enableChannelBinding && this.connection.stream,
          this.scramMaxIterations
        )
        this.connection.sendSASLInitialResponseMessage(this.saslSession.mechanism, this.saslSession.response)
      } catch (err) {
        this.connection.emit('error', err)
      }
    })
  }

  async _handleAuthSASLContinue(msg) {
    try {
      await sasl.continueSession(
        this.saslSession,
        this.password,
        msg.data,
        this.enableChannelBinding && this.connection.stream
      )
      this.connection.sendSCRAMClientFinalMessage(this.saslSession.response)
    } catch (err) {
      this.connection.emit('error', err)
    }
  }

  _handleAuthSASLFinal(msg) {
    try {
      sasl.finalizeSession(this.saslSession, msg.data)
      this.saslSession = null
    } catch (err) {
      this.connection.emit('error', err)
    }
  }

  _handleBackendKeyData(msg) {
    this.processID = msg.processID
    this.secretKey = msg.secretKey
  }

  _handleReadyForQuery(msg) {
    if (this._connecting) {
      this._connecting = false
      this._connected = true
      clearTimeout(this.connectionTimeoutHandle)

      // process possible callback argument to Client#connect
      if (this._connectionCallback) {
        this._connectionCallback(null, this)
        // remove callback for proper error handling
        // after the connect event
        this._connectionCallback = null
      }
      this.emit('connect')
    }
    const activeQuery = this._getActiveQuery()
    this._activeQuery = null
    this._txStatus = msg?.status ?? null
    this.readyForQuery = true
    if (activeQuery) {
      activeQuery.handleReadyForQuery(this.connection)
    }
    this._pulseQueryQueue()
  }

  // if we receive an error event or error message
  // during the connection process we handle it here
  _handleErrorWhileConnecting(err) {
    if (this._connectionError) {
      // TODO(bmc): this is swallowing errors - we shouldn't do this
      return
    }
    this._connectionError = true
    clearTimeout(this.connectionTimeoutHandle)
    if (this._connectionCallback) {
      return this._connectionCallback(err)
    }
    this.emit('error', err)
  }

  // if we're connected and we receive an error event from the connection
  // this means the socket is dead - do a hard abort of all queries and emit
  // the socket error on the client as well
  _handleErrorEvent(err) {
    if (this._connecting) {
      return this._handleErrorWhileConnecting(err)
    }
    this._queryable = false
    this._errorAllQueries(err)
    this.emit('error', err)
  }

  // handle error messages from the postgres backend
  _handleErrorMessage(msg) {
    if (this._connecting) {
      return this._handleErrorWhileConnecting(msg)
    }
    const activeQuery = this._getActiveQuery()

    if (!activeQuery) {
      this._handleErrorEvent(msg)
      return
    }

    this._activeQuery = null
    if (activeQuery.name) {
      delete this.connection.submittedNamedStatements[activeQuery.name]
    }
    activeQuery.handleError(msg, this.connection)
  }

  _handleRowDescription(msg) {
    const activeQuery = this._getActiveQuery()
    if (activeQuery == null) {
      const error = new Error('Received unexpected rowDescription message from backend.')
      this._handleErrorEvent(error)
      return
    }
    // delegate rowDescription to active query
    activeQuery.handleRowDescription(msg)
  }

  _handleDataRow(msg) {
    const activeQuery = this._getActiveQuery()
    if (activeQuery == null) {
      const error = new Error('Received unexpected dataRow message from backend.')
      this._handleErrorEvent(error)
      return
    }
    // delegate dataRow to active query
    activeQuery.handleDataRow(msg)
  }

  _handlePortalSuspended(msg) {
    const activeQuery = this._getActiveQuery()
    if (activeQuery == null) {
      const error = new Error('Received unexpected portalSuspended message from backend.')
      this._handleErrorEvent(error)
      return
    }
    // delegate portalSuspended to active query
    activeQuery.handlePortalSuspended(this.connection)
  }

  _handleEmptyQuery(msg) {
    const activeQuery = this._getActiveQuery()
    if (activeQuery == null) {
      const error = new Error('Received unexpected emptyQuery message from backend.')
      this._handleErrorEvent(error)
      return
    }
    // delegate emptyQuery to active query
    activeQuery.handleEmptyQuery(this.connection)
  }

  _handleCommandComplete(msg) {
    const activeQuery = this._getActiveQuery()
    if (activeQuery == null) {
      const error = new Error('Received unexpected commandComplete message from backend.')
      this._handleErrorEvent(error)
      return
    }
    // delegate commandComplete to active query
    activeQuery.handleCommandComplete(msg, this.connection)
  }

  _handleParseComplete() {
    const activeQuery = this._getActiveQuery()
    if (activeQuery == null) {
      const error = new Error('Received unexpected parseComplete message from backend.')
      this._handleErrorEvent(error)
      return
    }
    // if a prepared statement has a name and properly parses
    // we track that its already been executed so we don't parse
    // it again on the same client
    if (activeQuery.name) {
      this.connection.parsedStatements[activeQuery.name] = activeQuery.text
      delete this.connection.submittedNamedStatements[activeQuery.name]
    }
  }

  _handleCopyInResponse(msg) {
    const activeQuery = this._getActiveQuery()
    if (activeQuery == null) {
      const error = new Error('Received unexpected copyInResponse message from backend.')
      this._handleErrorEvent(error)
      return
    }
    activeQuery.handleCopyInResponse(this.connection)
  }

  _handleCopyData(msg) {
    const activeQuery = this._getActiveQuery()
    if (activeQuery == null) {
      const error = new Error('Received unexpected copyData message from backend.')
      this._handleErrorEvent(error)
      return
    }
    activeQuery.handleCopyData(msg, this.connection)
  }

  _handleNotification(msg) {
    this.emit('notification', msg)
  }

  _handleNotice(msg) {
    this.emit('notice', msg)
  }

  getStartupConf() {
    const params = this.connectionParameters

    const data = {
      user: params.user,
      database: params.database,
    }

    const appName = params.application_name || params.fallback_application_name
    if (appName) {
      data.application_name = appName
    }
    if (params.replication) {
      data.replication = '' + params.replication
    }
    if (params.statement_timeout) {
      data.statement_timeout = String(parseInt(params.statement_timeout, 10))
    }
    if (params.lock_timeout) {
      data.lock_timeout = String(parseInt(params.lock_timeout, 10))
    }
    if (params.idle_in_transaction_session_timeout) {
      data.idle_in_transaction_session_timeout = String(parseInt(params.idle_in_transaction_session_timeout, 10))
    }
    if (params.options) {
      data.options = params.options
    }

    return data
  }

  cancel(client, query) {
    if (client.activeQuery === query) {
      const con = this.connection

      if (this.host && this.host.indexOf('/') === 0) {
        con.connect(this.host + '/.s.PGSQL.' + this.port)
      } else {
        con.connect(this.port, this.host)
      }

      // once connection is established send cancel message
      con.on('connect', function () {
        con.cancel(client.processID, client.secretKey)
      })
    } else if (client._queryQueue.indexOf(query) !== -1) {
      client._queryQueue.splice(client._queryQueue.indexOf(query), 1)
    } else if (client._sentQueryQueue.indexOf(query) !== -1) {
      // Query already sent on wire — can't remove it without corrupting the
      // pipeline. No-op the callback so the result is silently discarded.
      query.callback = () => {}
    }
  }

  setTypeParser(oid, format, parseFn) {
    return this._types.setTypeParser(oid, format, parseFn)
  }

  getTypeParser(oid, format) {
    return this._types.getTypeParser(oid, format)
  }

  // escapeIdentifier and escapeLiteral moved to utility functions & exported
  // on PG
  // re-exported here for backwards compatibility
  escapeIdentifier(str) {
    return utils.escapeIdentifier(str)
  }

  escapeLiteral(str) {
    return utils.escapeLiteral(str)
  }

  _pulseQueryQueue() {
    if (this.pipeline) {
      this._pulsePipelinedQueryQueue()
      return
    }
    if (this.readyForQuery === true) {
      this._activeQuery = this._queryQueue.shift()
      const activeQuery = this._getActiveQuery()
      if (activeQuery) {
        this.readyForQuery = false
        this.hasExecuted = true

        const queryError = activeQuery.submit(this.connection)
        if (queryError) {
          process.nextTick(() => {
            activeQuery.handleError(queryError, this.connection)
            this.readyForQuery = true
            this._pulseQueryQueue()
          })
        }
      } else if (this.hasExecuted) {
        this._activeQuery = null
        this.emit('drain')
      }
    }
  }

  _pulsePipelinedQueryQueue() {
    if (!this._connected || !this._queryable) {
      return
    }
    while (this._queryQueue.length > 0) {
      const query = this._queryQueue.shift()
      this.hasExecuted = true
      const queryError = query.submit(this.connection)
      if (queryError) {
        process.nextTick(() => {
          query.handleError(queryError, this.connection)
        })
        continue
      }
      this._sentQueryQueue.push(query)
    }
    if (this.readyForQuery && !this._activeQuery && this._sentQueryQueue.length > 0) {
      this._activeQuery = this._sentQueryQueue.shift()
      this.readyForQuery = false
    }
    if (!this._activeQuery && this._sentQueryQueue.length === 0 && this._queryQueue.length === 0 && this.hasExecuted) {
      this.emit('drain')
    }
  }

  query(config, values, callback) {
    // can take in strings, config object or query object
    let query
    let result

    if (config == null) {
      throw new TypeError('Client was passed a null or undefined query')
    }

    if (typeof config.submit === 'function') {
      result = query = config
      if (!query.callback) {
        if (typeof values === 'function') {
          query.callback = values
        } else if (callback) {
          query.callback = callback
        }
      }
    } else {
      query = new Query(config, values, callback)
      if (!query.callback) {
        result = new this._Promise((resolve, reject) => {
          query.callback = (err, res) => (err ? reject(err) : resolve(res))
        }).catch((err) => {
          // replace the stack trace that leads to `TCP.onStreamRead` with one that leads back to the
          // application that created the query
          Error.captureStackTrace(err)
          throw err
        })
      } else if (typeof query.callback !== 'function') {
        throw new TypeError('callback is not a function')
      }
    }

    const readTimeout = config.query_timeout || this.connectionParameters.query_timeout
    if (readTimeout) {
      const queryCallback = query.callback || (() => {})

      const readTimeoutTimer = setTimeout(() => {
        const error = new Error('Query read timeout')

        process.nextTick(() => {
          query.handleError(error, this.connection)
        })

        queryCallback(error)

        // we already returned an error,
        // just do nothing if query completes
        query.callback = () => {}

        // Remove from queue (only safe if not yet sent)
        const index = this._queryQueue.indexOf(query)
        if (index > -1) {
          this._queryQueue.splice(index, 1)
        } else if (this.pipeline) {
          // Query already sent — the pipeline is blocked until it completes.
          // Destroy the connection to unblock all remaining pipelined queries.
          this.connection.stream.destroy()
          return
        }

        this._pulseQueryQueue()
      }, readTimeout)

      query.callback = (err, res) => {
        clearTimeout(readTimeoutTimer)
        queryCallback(err, res)
      }
    }

    if (this.binary && !query.binary) {
      query.binary = true
    }

    if (query._result && !query._result._types) {
      query._result._types = this._types
    }

    // A query that keeps a portal open across round trips cannot share a pipelined connection: the
    // queries written behind it are answered out of its portal, so rows land on the wrong query and
    // the reads that follow fail with 'portal does not exist'. Refuse it instead of corrupting.
    if (this.pipeline) {
      const portalQuery =
        typeof config.submit === 'function' && !(query instanceof Query)
          ? 'Custom query classes such as pg-cursor and pg-query-stream are'
          : query.rows
          ? 'The `rows` option is'
          : null
      if (portalQuery) {
        process.nextTick(() => {
          query.handleError(new Error(`${portalQuery} not supported in pipeline mode`), this.connection)
        })
        return result
      }
    }

    if (!this._queryable) {
      process.nextTick(() => {
        query.handleError(new Error('Client has encountered a connection error and is not queryable'), this.connection)
      })
      return result
    }

    if (this._ending) {
      process.nextTick(() => {
        query.handleError(new Error('Client was closed and is not queryable'), this.connection)
      })
      return result
    }

    if (this._queryQueue.length > 0 && !this.pipeline) {
      queryQueueLengthDeprecationNotice()
    }
    this._queryQueue.push(query)
    this._pulseQueryQueue()
    return result
  }

  ref() {
    this.connection.ref()
  }

  unref() {
    this.connection.unref()
  }

  getTransactionStatus() {
    return this._txStatus
  }

  end(cb) {
    this._ending = true

    // if we have never connected, then end is a noop, callback immediately
    if (!this.connection._connecting || this._ended) {
      if (cb) {
        cb()
        return
      } else {
        return this._Promise.resolve()
      }
    }

    if (!this._queryable) {
      // socket is dead — force close
      this.connection.stream.destroy()
    } else if (
      this.pipeline &&
      (this._getActiveQuery() || this._sentQueryQueue.length > 0 || this._queryQueue.length > 0)
    ) {
      // pipelined queries are already on the wire (or queued to send) and will
      // complete normally; wait for drain then do a graceful goodbye
      this.once('drain', () => this.connection.end())
    } else if (this._getActiveQuery()) {
      // non-pipeline: a hung query could block end forever — force disconnect
      this.connection.stream.destroy()
    } else {
      this.connection.end()
    }

    if (cb) {
      this.connection.once('end', cb)
    } else {
      return new this._Promise((resolve) => {
        this.connection.once('end', resolve)
      })
    }
  }
  get queryQueue() {
    queryQueueDeprecationNotice()
    return this._queryQueue
  }
}

// expose a Query constructor
Client.Query = Query

module.exports = Client


/***/ }),

/***/ 646:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const dns = __nccwpck_require__(2250)

const defaults = __nccwpck_require__(8995)

const parse = (__nccwpck_require__(6122).parse) // parses a connection string

const val = function (key, config, envVar) {
  if (config[key]) {
    return config[key]
  }

  if (envVar === undefined) {
    envVar = process.env['PG' + key.toUpperCase()]
  } else if (envVar === false) {
    // do nothing ... use false
  } else {
    envVar = process.env[envVar]
  }

  return envVar || defaults[key]
}

const readSSLConfigFromEnvironment = function () {
  switch (process.env.PGSSLMODE) {
    case 'disable':
      return false
    case 'prefer':
    case 'require':
    case 'verify-ca':
    case 'verify-full':
      return true
    case 'no-verify':
      return { rejectUnauthorized: false }
  }
  return defaults.ssl
}

// Convert arg to a string, surround in single quotes, and escape single quotes and backslashes
const quoteParamValue = function (value) {
  return "'" + ('' + value).replace(/\\/g, '\\\\').replace(/'/g, "\\'") + "'"
}

const add = function (params, config, paramName) {
  const value = config[paramName]
  if (value !== undefined && value !== null) {
    params.push(paramName + '=' + quoteParamValue(value))
  }
}

class ConnectionParameters {
  constructor(config) {
    // if a string is passed, it is a raw connection string so we parse it into a config
    config = typeof config === 'string' ? parse(config) : config || {}

    // if the config has a connectionString defined, parse IT into the config we use
    // this will override other default values with what is stored in connectionString
    if (config.connectionString) {
      config = Object.assign({}, config, parse(config.connectionString))
    }

    this.user = val('user', config)
    this.database = val('database', config)

    if (this.database === undefined) {
      this.database = this.user
    }

    this.port = parseInt(val('port', config), 10)
    this.host = val('host', config)

    // "hiding" the password so it doesn't show up in stack traces
    // or if the client is console.logged
    Object.defineProperty(this, 'password', {
      configurable: true,
      enumerable: false,
      writable: true,
      value: val('password', config),
    })

    this.binary = val('binary', config)
    this.options = val('options', config)

    this.ssl = typeof config.ssl === 'undefined' ? readSSLConfigFromEnvironment() : config.ssl

    if (typeof this.ssl === 'string') {
      if (this.ssl === 'true') {
        this.ssl = true
      }
    }
    // support passing in ssl=no-verify via connection string
    if (this.ssl === 'no-verify') {
      this.ssl = { rejectUnauthorized: false }
    }
    if (this.ssl && this.ssl.key) {
      Object.defineProperty(this.ssl, 'key', {
        enumerable: false,
      })
    }

    // How to negotiate SSL: 'postgres' (default, the traditional SSLRequest
    // handshake) or 'direct' (start the TLS handshake immediately on connect).
    this.sslnegotiation = val('sslnegotiation', config, 'PGSSLNEGOTIATION')
    if (this.sslnegotiation !== undefined && this.sslnegotiation !== 'postgres' && this.sslnegotiation !== 'direct') {
      throw new Error(
        `Invalid sslnegotiation value: "${this.sslnegotiation}". Valid values are "postgres" and "direct".`
      )
    }
    if (this.sslnegotiation === 'direct' && !this.ssl) {
      throw new Error('sslnegotiation=direct requires SSL to be enabled')
    }

    this.client_encoding = val('client_encoding', config)
    this.replication = val('replication', config)
    // a domain socket begins with '/'
    this.isDomainSocket = !(this.host || '').indexOf('/')

    this.application_name = val('application_name', config, 'PGAPPNAME')
    this.fallback_application_name = val('fallback_application_name', config, false)
    this.statement_timeout = val('statement_timeout', config, false)
    this.lock_timeout = val('lock_timeout', config, false)
    this.idle_in_transaction_session_timeout = val('idle_in_transaction_session_timeout', config, false)
    this.query_timeout = val('query_timeout', config, false)

    if (config.connectionTimeoutMillis === undefined) {
      this.connect_timeout = process.env.PGCONNECT_TIMEOUT || 0
    } else {
      this.connect_timeout = Math.floor(config.connectionTimeoutMillis / 1000)
    }

    if (config.keepAlive === false) {
      this.keepalives = 0
    } else if (config.keepAlive === true) {
      this.keepalives = 1
    }

    if (typeof config.keepAliveInitialDelayMillis === 'number') {
      this.keepalives_idle = Math.floor(config.keepAliveInitialDelayMillis / 1000)
    }
  }

  getLibpqConnectionString(cb) {
    const params = []
    add(params, this, 'user')
    add(params, this, 'password')
    add(params, this, 'port')
    add(params, this, 'application_name')
    add(params, this, 'fallback_application_name')
    add(params, this, 'connect_timeout')
    add(params, this, 'options')

    const ssl = typeof this.ssl === 'object' ? this.ssl : this.ssl ? { sslmode: this.ssl } : {}
    add(params, ssl, 'sslmode')
    add(params, ssl, 'sslca')
    add(params, ssl, 'sslkey')
    add(params, ssl, 'sslcert')
    add(params, ssl, 'sslrootcert')
    add(params, this, 'sslnegotiation')

    if (this.database) {
      params.push('dbname=' + quoteParamValue(this.database))
    }
    if (this.replication) {
      params.push('replication=' + quoteParamValue(this.replication))
    }
    if (this.host) {
      params.push('host=' + quoteParamValue(this.host))
    }
    if (this.isDomainSocket) {
      return cb(null, params.join(' '))
    }
    if (this.client_encoding) {
      params.push('client_encoding=' + quoteParamValue(this.client_encoding))
    }
    dns.lookup(this.host, function (err, address) {
      if (err) return cb(err, null)
      params.push('hostaddr=' + quoteParamValue(address))
      return cb(null, params.join(' '))
    })
  }
}

module.exports = ConnectionParameters


/***/ }),

/***/ 9809:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const EventEmitter = (__nccwpck_require__(4434).EventEmitter)

const { parse, serialize } = __nccwpck_require__(4233)
const stream = __nccwpck_require__(829)
const { getStream } = stream

const flushBuffer = serialize.flush()
const syncBuffer = serialize.sync()
const endBuffer = serialize.end()

// TODO(bmc) support binary mode at some point
class Connection extends EventEmitter {
  constructor(config) {
    super()
    config = config || {}

    this.stream = config.stream || getStream(config.ssl)
    if (typeof this.stream === 'function') {
      this.stream = this.stream(config)
    }

    this._keepAlive = config.keepAlive
    this._keepAliveInitialDelayMillis = config.keepAliveInitialDelayMillis
    this.parsedStatements = {}
    this.submittedNamedStatements = {}
    this.ssl = config.ssl || false
    this.sslNegotiation = config.sslNegotiation || 'postgres'
    this._ending = false
    this._emitMessage = false
    const self = this
    this.on('newListener', function (eventName) {
      if (eventName === 'message') {
        self._emitMessage = true
      }
    })
  }

  connect(port, host) {
    const self = this

    this._connecting = true
    this.stream.setNoDelay(true)
    this.stream.connect(port, host)

    this.stream.once('connect', function () {
      if (self._keepAlive) {
        self.stream.setKeepAlive(true, self._keepAliveInitialDelayMillis)
      }
      self.emit('connect')
    })

    const reportStreamError = function (error) {
      // errors about disconnections should be ignored during disconnect
      if (self._ending && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) {
        return
      }
      self.emit('error', error)
    }
    this.stream.on('error', reportStreamError)

    this.stream.on('close', function () {
      self.emit('end')
    })

    if (!this.ssl) {
      return this.attachListeners(this.stream)
    }

    // With direct SSL negotiation the TLS handshake starts immediately on the
    // raw socket, skipping the SSLRequest packet and the server's 'S'/'N' reply.
    if (this.sslNegotiation === 'direct') {
      return this.stream.once('connect', function () {
        self.upgradeToSSL(host, reportStreamError)
      })
    }

    this.stream.once('data', function (buffer) {
      const responseCode = buffer.toString('utf8')
      switch (responseCode) {
        case 'S': // Server supports SSL connections, continue with a secure connection
          break
        case 'N': // Server does not support SSL connections
          self.stream.end()
          return self.emit('error', new Error('The server does not support SSL connections'))
        default:
          // Any other response byte, including 'E' (ErrorResponse) indicating a server error
          self.stream.end()
          return self.emit('error', new Error('There was an error establishing an SSL connection'))
      }
      self.upgradeToSSL(host, reportStreamError)
    })
  }

  upgradeToSSL(host, reportStreamError) {
    const self = this
    const options = {
      socket: self.stream,
      // tls.connect checks the server identity against `servername`, falling
      // back to `host` and then to 'localhost'. `servername` must stay unset
      // for IP addresses (see below), so `host` is needed to keep certificate
      // validation working when connecting to an IP address.
      host,
    }

    if (self.ssl !== true) {
      Object.assign(options, self.ssl)

      if ('key' in self.ssl) {
        options.key = self.ssl.key
      }
    }

    // Direct SSL negotiation requires ALPN so the server can confirm it is
    // speaking the PostgreSQL protocol over the TLS connection.
    if (self.sslNegotiation === 'direct') {
      options.ALPNProtocols = ['postgresql']
    }

    // SNI must not be set to an IP address (RFC 6066 section 3)
    const net = __nccwpck_require__(9278)
    if (net.isIP && net.isIP(host) === 0) {
      options.servername = host
    }
    try {
      self.stream = stream.getSecureStream(options)
    } catch (err) {
      return self.emit('error', err)
    }
    self.attachListeners(self.stream)
    self.stream.on('error', reportStreamError)

    self.emit('sslconnect')
  }

  attachListeners(stream) {
    parse(stream, (msg) => {
      const eventName = msg.name === 'error' ? 'errorMessage' : msg.name
      if (this._emitMessage) {
        this.emit('message', msg)
      }
      this.emit(eventName, msg)
    })
  }

  requestSsl() {
    this.stream.write(serialize.requestSsl())
  }

  startup(config) {
    this.stream.write(serialize.startup(config))
  }

  cancel(processID, secretKey) {
    this._send(serialize.cancel(processID, secretKey))
  }

  password(password) {
    this._send(serialize.password(password))
  }

  sendSASLInitialResponseMessage(mechanism, initialResponse) {
    this._send(serialize.sendSASLInitialResponseMessage(mechanism, initialResponse))
  }

  sendSCRAMClientFinalMessage(additionalData) {
    this._send(serialize.sendSCRAMClientFinalMessage(additionalData))
  }

  _send(buffer) {
    if (!this.stream.writable) {
      return false
    }
    return this.stream.write(buffer)
  }

  query(text) {
    this._send(serialize.query(text))
  }

  // send parse message
  parse(query) {
    this._send(serialize.parse(query))
  }

  // send bind message
  bind(config) {
    this._send(serialize.bind(config))
  }

  // send execute message
  execute(config) {
    this._send(serialize.execute(config))
  }

  flush() {
    if (this.stream.writable) {
      this.stream.write(flushBuffer)
    }
  }

  sync() {
    // Sync is the extended-query protocol barrier, not a disconnect.
    // Only end()/Terminate (and connect-timeout teardown) should set _ending.
    this._send(syncBuffer)
  }

  ref() {
    this.stream.ref()
  }

  unref() {
    this.stream.unref()
  }

  end() {
    // 0x58 = 'X'
    this._ending = true
    if (!this._connecting || !this.stream.writable) {
      this.stream.end()
      return
    }
    return this.stream.write(endBuffer, () => {
      this.stream.end()
    })
  }

  close(msg) {
    this._send(serialize.close(msg))
  }

  describe(msg) {
    this._send(serialize.describe(msg))
  }

  sendCopyFromChunk(chunk) {
    this._send(serialize.copyData(chunk))
  }

  endCopyFrom() {
    this._send(serialize.copyDone())
  }

  sendCopyFail(msg) {
    this._send(serialize.copyFail(msg))
  }
}

module.exports = Connection


/***/ }),

/***/ 9765:
/***/ ((module) => {

function x509Error(msg, cert) {
  return new Error('SASL channel binding: ' + msg + ' when parsing public certificate ' + cert.toString('base64'))
}

function readASN1Length(data, index) {
  let length = data[index++]
  if (length < 0x80) return { length, index }

  const lengthBytes = length & 0x7f
  if (lengthBytes > 4) throw x509Error('bad length', data)

  length = 0
  for (let i = 0; i < lengthBytes; i++) {
    length = (length << 8) | data[index++]
  }

  return { length, index }
}

function readASN1OID(data, index) {
  if (data[index++] !== 0x6) throw x509Error('non-OID data', data) // 6 = OID

  const { length: OIDLength, index: indexAfterOIDLength } = readASN1Length(data, index)
  index = indexAfterOIDLength
  const lastIndex = index + OIDLength

  const byte1 = data[index++]
  let oid = ((byte1 / 40) >> 0) + '.' + (byte1 % 40)

  while (index < lastIndex) {
    // loop over numbers in OID
    let value = 0
    while (index < lastIndex) {
      // loop over bytes in number
      const nextByte = data[index++]
      value = (value << 7) | (nextByte & 0x7f)
      if (nextByte < 0x80) break
    }
    oid += '.' + value
  }

  return { oid, index }
}

function expectASN1Seq(data, index) {
  if (data[index++] !== 0x30) throw x509Error('non-sequence data', data) // 30 = Sequence
  return readASN1Length(data, index)
}

function signatureAlgorithmHashFromCertificate(data, index) {
  // read this thread: https://www.postgresql.org/message-id/17760-b6c61e752ec07060%40postgresql.org
  if (index === undefined) index = 0
  index = expectASN1Seq(data, index).index
  const { length: certInfoLength, index: indexAfterCertInfoLength } = expectASN1Seq(data, index)
  index = indexAfterCertInfoLength + certInfoLength // skip over certificate info
  index = expectASN1Seq(data, index).index // skip over signature length field
  const { oid, index: indexAfterOID } = readASN1OID(data, index)
  switch (oid) {
    // RSA
    case '1.2.840.113549.1.1.4':
      return 'MD5'
    case '1.2.840.113549.1.1.5':
      return 'SHA-1'
    case '1.2.840.113549.1.1.11':
      return 'SHA-256'
    case '1.2.840.113549.1.1.12':
      return 'SHA-384'
    case '1.2.840.113549.1.1.13':
      return 'SHA-512'
    case '1.2.840.113549.1.1.14':
      return 'SHA-224'
    case '1.2.840.113549.1.1.15':
      return 'SHA512-224'
    case '1.2.840.113549.1.1.16':
      return 'SHA512-256'
    // ECDSA
    case '1.2.840.10045.4.1':
      return 'SHA-1'
    case '1.2.840.10045.4.3.1':
      return 'SHA-224'
    case '1.2.840.10045.4.3.2':
      return 'SHA-256'
    case '1.2.840.10045.4.3.3':
      return 'SHA-384'
    case '1.2.840.10045.4.3.4':
      return 'SHA-512'
    // RSASSA-PSS: hash is indicated separately
    case '1.2.840.113549.1.1.10': {
      index = indexAfterOID
      index = expectASN1Seq(data, index).index
      if (data[index++] !== 0xa0) throw x509Error('non-tag data', data) // a0 = constructed tag 0
      index = readASN1Length(data, index).index // skip over tag length field
      index = expectASN1Seq(data, index).index // skip over sequence length field
      const { oid: hashOID } = readASN1OID(data, index)
      switch (hashOID) {
        // standalone hash OIDs
        case '1.2.840.113549.2.5':
          return 'MD5'
        case '1.3.14.3.2.26':
          return 'SHA-1'
        case '2.16.840.1.101.3.4.2.1':
          return 'SHA-256'
        case '2.16.840.1.101.3.4.2.2':
          return 'SHA-384'
        case '2.16.840.1.101.3.4.2.3':
          return 'SHA-512'
      }
      throw x509Error('unknown hash OID ' + hashOID, data)
    }
    // Ed25519 -- see https://github.com/openssl/openssl/issues/15477
    case '1.3.101.110':
    case '1.3.101.112': // ph
      return 'SHA-512'
    // Ed448 -- still not in pg 17.2 (if supported, digest would be SHAKE256 x 64 bytes)
    case '1.3.101.111':
    case '1.3.101.113': // ph
      throw x509Error('Ed448 certificate channel binding is not currently supported by Postgres')
  }
  throw x509Error('unknown OID ' + oid, data)
}

module.exports = { signatureAlgorithmHashFromCertificate }


/***/ }),

/***/ 948:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {


const crypto = __nccwpck_require__(4150)
const { signatureAlgorithmHashFromCertificate } = __nccwpck_require__(9765)

// SASLprep (RFC 4013) — minimal in-tree implementation.
//
// Per RFC 5802 §2.2, the SCRAM-SHA-256 client must normalize the password via
// SASLprep before feeding it into PBKDF2. PostgreSQL's server applies the same
// SASLprep when computing the stored verifier, and libpq does the same client
// side, so passwords whose NFKC form differs from the raw form
// would otherwise authenticate against psql/libpq but fail against pg with `28P01`.
//
// We deliberately implement only the three steps that change the byte content:
//   1. RFC 3454 Table C.1.2 (non-ASCII space) → U+0020 SPACE.
//   2. RFC 3454 Table B.1 (commonly mapped to nothing) → empty.
//   3. NFKC normalization.
// We skip the prohibition (RFC 4013 §2.3) and bidi (RFC 3454 §6) checks.
// libpq is forgiving on those paths and Postgres's own SASLprep matches that
// leniency for legacy roles, so omitting the rejection logic keeps existing
// roles working without adding complexity.
function saslprep(password) {
  // RFC 3454 Table C.1.2 — non-ASCII space characters, mapped to U+0020.
  const nonAsciiSpace = /[\u00A0\u1680\u2000-\u200B\u202F\u205F\u3000]/g
  // RFC 3454 Table B.1 — "commonly mapped to nothing". The set intentionally
  // contains zero-width joiners and variation selectors — the very characters
  // ESLint's no-misleading-character-class warns about — because they combine
  // with their neighbors and the RFC strips them for that reason.
  // eslint-disable-next-line no-misleading-character-class
  const mappedToNothing = /[\u00AD\u034F\u1806\u180B\u180C\u180D\u200C\u200D\u2060\uFE00-\uFE0F\uFEFF]/g
  return password.replace(nonAsciiSpace, ' ').replace(mappedToNothing, '').normalize('NFKC')
}

const DEFAULT_MAX_SCRAM_ITERATIONS = 100000

function startSession(mechanisms, stream, scramMaxIterations = DEFAULT_MAX_SCRAM_ITERATIONS) {
  const candidates = ['SCRAM-SHA-256']
  if (stream) candidates.unshift('SCRAM-SHA-256-PLUS') // higher-priority, so placed first

  const mechanism = candidates.find((candidate) => mechanisms.includes(candidate))

  if (!mechanism) {
    throw new Error('SASL: Only mechanism(s) ' + candidates.join(' and ') + ' are supported')
  }

  if (mechanism === 'SCRAM-SHA-256-PLUS' && typeof stream.getPeerCertificate !== 'function') {
    // this should never happen if we are really talking to a Postgres server
    throw new Error('SASL: Mechanism SCRAM-SHA-256-PLUS requires a certificate')
  }

  const clientNonce = crypto.randomBytes(18).toString('base64')
  const gs2Header = mechanism === 'SCRAM-SHA-256-PLUS' ? 'p=tls-server-end-point' : stream ? 'y' : 'n'

  return {
    mechanism,
    clientNonce,
    response: gs2Header + ',,n=*,r=' + clientNonce,
    message: 'SASLInitialResponse',
    scramMaxIterations,
  }
}

async function continueSession(session, password, serverData, stream) {
  if (session.message !== 'SASLInitialResponse') {
    throw new Error('SASL: Last message was not SASLInitialResponse')
  }
  if (typeof password !== 'string') {
    throw new Error('SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string')
  }
  if (password === '') {
    throw new Error('SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a non-empty string')
  }
  if (typeof serverData !== 'string') {
    throw new Error('SASL: SCRAM-SERVER-FIRST-MESSAGE: serverData must be a string')
  }

  const sv = parseServerFirstMessage(serverData)

  if (!sv.nonce.startsWith(session.clientNonce)) {
    throw new Error('SASL: SCRAM-SERVER-FIRST-MESSAGE: server nonce does not start with client nonce')
  } else if (sv.nonce.length === session.clientNonce.length) {
    throw new Error('SASL: SCRAM-SERVER-FIRST-MESSAGE: server nonce is too short')
  }

  const scramMaxIterations =
    typeof session.scramMaxIterations === 'number' ? session.scramMaxIterations : DEFAULT_MAX_SCRAM_ITERATIONS
  // a value of 0 disables the iteration count check
  if (scramMaxIterations !== 0 && sv.iteration > scramMaxIterations) {
    throw new Error(
      'SASL: SCRAM-SERVER-FIRST-MESSAGE: iteration count ' +
        sv.iteration +
        ' exceeds scramMaxIterations of ' +
        scramMaxIterations
    )
  }

  const clientFirstMessageBare = 'n=*,r=' + session.clientNonce
  const serverFirstMessage = 'r=' + sv.nonce + ',s=' + sv.salt + ',i=' + sv.iteration

  // without channel binding:
  let channelBinding = stream ? 'eSws' : 'biws' // 'y,,' or 'n,,', base64-encoded

  // override if channel binding is in use:
  if (session.mechanism === 'SCRAM-SHA-256-PLUS') {
    const peerCert = stream.getPeerCertificate().raw
    let hashName = signatureAlgorithmHashFromCertificate(peerCert)
    if (hashName === 'MD5' || hashName === 'SHA-1') hashName = 'SHA-256'
    const certHash = await crypto.hashByName(hashName, peerCert)
    const bindingData = Buffer.concat([Buffer.from('p=tls-server-end-point,,'), Buffer.from(certHash)])
    channelBinding = bindingData.toString('base64')
  }

  const clientFinalMessageWithoutProof = 'c=' + channelBinding + ',r=' + sv.nonce
  const authMessage = clientFirstMessageBare + ',' + serverFirstMessage + ',' + clientFinalMessageWithoutProof

  const saltBytes = Buffer.from(sv.salt, 'base64')
  const saltedPassword = await crypto.deriveKey(saslprep(password), saltBytes, sv.iteration)
  const clientKey = await crypto.hmacSha256(saltedPassword, 'Client Key')
  const storedKey = await crypto.sha256(clientKey)
  const clientSignature = await crypto.hmacSha256(storedKey, authMessage)
  const clientProof = xorBuffers(Buffer.from(clientKey), Buffer.from(clientSignature)).toString('base64')
  const serverKey = await crypto.hmacSha256(saltedPassword, 'Server Key')
  const serverSignatureBytes = await crypto.hmacSha256(serverKey, authMessage)

  session.message = 'SASLResponse'
  session.serverSignature = Buffer.from(serverSignatureBytes).toString('base64')
  session.response = clientFinalMessageWithoutProof + ',p=' + clientProof
}

function finalizeSession(session, serverData) {
  if (session.message !== 'SASLResponse') {
    throw new Error('SASL: Last message was not SASLResponse')
  }
  if (typeof serverData !== 'string') {
    throw new Error('SASL: SCRAM-SERVER-FINAL-MESSAGE: serverData must be a string')
  }

  const { serverSignature } = parseServerFinalMessage(serverData)

  if (serverSignature !== session.serverSignature) {
    throw new Error('SASL: SCRAM-SERVER-FINAL-MESSAGE: server signature does not match')
  }
}

/**
 * printable       = %x21-2B / %x2D-7E
 *                   ;; Printable ASCII except ",".
 *                   ;; Note that any "printable" is also
 *                   ;; a valid "value".
 */
function isPrintableChars(text) {
  if (typeof text !== 'string') {
    throw new TypeError('SASL: text must be a string')
  }
  return text
    .split('')
    .map((_, i) => text.charCodeAt(i))
    .every((c) => (c >= 0x21 && c <= 0x2b) || (c >= 0x2d && c <= 0x7e))
}

/**
 * base64-char     = ALPHA / DIGIT / "/" / "+"
 *
 * base64-4        = 4base64-char
 *
 * base64-3        = 3base64-char "="
 *
 * base64-2        = 2base64-char "=="
 *
 * base64          = *base64-4 [base64-3 / base64-2]
 */
function isBase64(text) {
  return /^(?:[a-zA-Z0-9+/]{4})*(?:[a-zA-Z0-9+/]{2}==|[a-zA-Z0-9+/]{3}=)?$/.test(text)
}

function parseAttributePairs(text) {
  if (typeof text !== 'string') {
    throw new TypeError('SASL: attribute pairs text must be a string')
  }

  return new Map(
    text.split(',').map((attrValue) => {
      if (!/^.=/.test(attrValue)) {
        throw new Error('SASL: Invalid attribute pair entry')
      }
      const name = attrValue[0]
      const value = attrValue.substring(2)
      return [name, value]
    })
  )
}

function parseServerFirstMessage(data) {
  const attrPairs = parseAttributePairs(data)

  const nonce = attrPairs.get('r')
  if (!nonce) {
    throw new Error('SASL: SCRAM-SERVER-FIRST-MESSAGE: nonce missing')
  } else if (!isPrintableChars(nonce)) {
    throw new Error('SASL: SCRAM-SERVER-FIRST-MESSAGE: nonce must only contain printable characters')
  }
  const salt = attrPairs.get('s')
  if (!salt) {
    throw new Error('SASL: SCRAM-SERVER-FIRST-MESSAGE: salt missing')
  } else if (!isBase64(salt)) {
    throw new Error('SASL: SCRAM-SERVER-FIRST-MESSAGE: salt must be base64')
  }
  const iterationText = attrPairs.get('i')
  if (!iterationText) {
    throw new Error('SASL: SCRAM-SERVER-FIRST-MESSAGE: iteration missing')
  } else if (!/^[1-9][0-9]*$/.test(iterationText)) {
    throw new Error('SASL: SCRAM-SERVER-FIRST-MESSAGE: invalid iteration count')
  }
  const iteration = parseInt(iterationText, 10)

  return {
    nonce,
    salt,
    iteration,
  }
}

function parseServerFinalMessage(serverData) {
  const attrPairs = parseAttributePairs(serverData)
  const error = attrPairs.get('e')
  const serverSignature = attrPairs.get('v')

  if (error) {
    throw new Error(`SASL: SCRAM-SERVER-FINAL-MESSAGE: server returned error: "${error}"`)
  }

  if (!serverSignature) {
    throw new Error('SASL: SCRAM-SERVER-FINAL-MESSAGE: server signature is missing')
  } else if (!isBase64(serverSignature)) {
    throw new Error('SASL: SCRAM-SERVER-FINAL-MESSAGE: server signature must be base64')
  }
  return {
    serverSignature,
  }
}

function xorBuffers(a, b) {
  if (!Buffer.isBuffer(a)) {
    throw new TypeError('first argument must be a Buffer')
  }
  if (!Buffer.isBuffer(b)) {
    throw new TypeError('second argument must be a Buffer')
  }
  if (a.length !== b.length) {
    throw new Error('Buffer lengths must match')
  }
  if (a.length === 0) {
    throw new Error('Buffers cannot be empty')
  }
  return Buffer.from(a.map((_, i) => a[i] ^ b[i]))
}

module.exports = {
  startSession,
  continueSession,
  finalizeSession,
  DEFAULT_MAX_SCRAM_ITERATIONS,
}


/***/ }),

/***/ 4150:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {

const nodeCrypto = __nccwpck_require__(6982)

module.exports = {
  postgresMd5PasswordHash,
  randomBytes,
  deriveKey,
  sha256,
  hashByName,
  hmacSha256,
  md5,
}

/**
 * The Web Crypto API - grabbed from the Node.js library or the global
 * @type Crypto
 */
// eslint-disable-next-line no-undef
const webCrypto = nodeCrypto.webcrypto || globalThis.crypto
/**
 * The SubtleCrypto API for low level crypto operations.
 * @type SubtleCrypto
 */
const subtleCrypto = webCrypto.subtle
const textEncoder = new TextEncoder()

/**
 *
 * @param {*} length
 * @returns
 */
function randomBytes(length) {
  return webCrypto.getRandomValues(Buffer.alloc(length))
}

async function md5(string) {
  try {
    return nodeCrypto.createHash('md5').update(string, 'utf-8').digest('hex')
  } catch (e) {
    // `createHash()` failed so we are probably not in Node.js, use the WebCrypto API instead.
    // Note that the MD5 algorithm on WebCrypto is not available in Node.js.
    // This is why we cannot just use WebCrypto in all environments.
    const data = typeof string === 'string' ? textEncoder.encode(string) : string
    const hash = await subtleCrypto.digest('MD5', data)
    return Array.from(new Uint8Array(hash))
      .map((b) => b.toString(16).padStart(2, '0'))
      .join('')
  }
}

// See AuthenticationMD5Password at https://www.postgresql.org/docs/current/static/protocol-flow.html
async function postgresMd5PasswordHash(user, password, salt) {
  const inner = await md5(password + user)
  const outer = await md5(Buffer.concat([Buffer.from(inner), salt]))
  return 'md5' + outer
}

/**
 * Create a SHA-256 digest of the given data
 * @param {Buffer} data
 */
async function sha256(text) {
  return await subtleCrypto.digest('SHA-256', text)
}

async function hashByName(hashName, text) {
  return await subtleCrypto.digest(hashName, text)
}

/**
 * Sign the message with the given key
 * @param {ArrayBuffer} keyBuffer
 * @param {string} msg
 */
async function hmacSha256(keyBuffer, msg) {
  const key = await subtleCrypto.importKey('raw', keyBuffer, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  return await subtleCrypto.sign('HMAC', key, textEncoder.encode(msg))
}

/**
 * Derive a key from the password and salt
 * @param {string} password
 * @param {Uint8Array} salt
 * @param {number} iterations
 */
async function deriveKey(password, salt, iterations) {
  const key = await subtleCrypto.importKey('raw', textEncoder.encode(password), 'PBKDF2', false, ['deriveBits'])
  const params = { name: 'PBKDF2', hash: 'SHA-256', salt: salt, iterations: iterations }
  return await subtleCrypto.deriveBits(params, key, 32 * 8, ['deriveBits'])
}


/***/ }),

/***/ 8995:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



let user
try {
  user = process.platform === 'win32' ? process.env.USERNAME : process.env.USER
} catch {
  // ignore, e.g., Deno without --allow-env
}

module.exports = {
  // database host. defaults to localhost
  host: 'localhost',

  // database user's name
  user,

  // name of database to connect
  database: undefined,

  // database user's password
  password: null,

  // a Postgres connection string to be used instead of setting individual connection items
  // NOTE:  Setting this value will cause it to override any other value (such as database or user) defined
  // in the defaults object.
  connectionString: undefined,

  // database port
  port: 5432,

  // number of rows to return at a time from a prepared statement's
  // portal. 0 will return all rows at once
  rows: 0,

  // binary result mode
  binary: false,

  // Connection pool options - see https://github.com/brianc/node-pg-pool

  // number of connections to use in connection pool
  // 0 will disable connection pooling
  max: 10,

  // max milliseconds a client can go unused before it is removed
  // from the pool and destroyed
  idleTimeoutMillis: 30000,

  client_encoding: '',

  ssl: false,

  // SSL negotiation style: 'postgres' (traditional SSLRequest) or 'direct'
  sslnegotiation: undefined,

  application_name: undefined,

  fallback_application_name: undefined,

  options: undefined,

  parseInputDatesAsUTC: false,

  // max milliseconds any query using this connection will execute for before timing out in error.
  // false=unlimited
  statement_timeout: false,

  // Abort any statement that waits longer than the specified duration in milliseconds while attempting to acquire a lock.
  // false=unlimited
  lock_timeout: false,

  // Terminate any session with an open transaction that has been idle for longer than the specified duration in milliseconds
  // false=unlimited
  idle_in_transaction_session_timeout: false,

  // max milliseconds to wait for query to complete (client side)
  query_timeout: false,

  connect_timeout: 0,

  keepalives: 1,

  keepalives_idle: 0,
}

const pgTypes = __nccwpck_require__(1549)
// save default parsers
const parseBigInteger = pgTypes.getTypeParser(20, 'text')
const parseBigIntegerArray = pgTypes.getTypeParser(1016, 'text')

// parse int8 so you can get your count values as actual numbers
module.exports.__defineSetter__('parseInt8', function (val) {
  pgTypes.setTypeParser(20, 'text', val ? pgTypes.getTypeParser(23, 'text') : parseBigInteger)
  pgTypes.setTypeParser(1016, 'text', val ? pgTypes.getTypeParser(1007, 'text') : parseBigIntegerArray)
})


/***/ }),

/***/ 3273:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const Client = __nccwpck_require__(5042)
const defaults = __nccwpck_require__(8995)
const Connection = __nccwpck_require__(9809)
const Result = __nccwpck_require__(6424)
const utils = __nccwpck_require__(9652)
const Pool = __nccwpck_require__(7558)
const TypeOverrides = __nccwpck_require__(365)
const { DatabaseError } = __nccwpck_require__(4233)
const { escapeIdentifier, escapeLiteral } = __nccwpck_require__(9652)

const poolFactory = (Client) => {
  return class BoundPool extends Pool {
    constructor(options) {
      super(options, Client)
    }
  }
}

const PG = function (clientConstructor) {
  this.defaults = defaults
  this.Client = clientConstructor
  this.Query = this.Client.Query
  this.Pool = poolFactory(this.Client)
  this._pools = []
  this.Connection = Connection
  this.types = __nccwpck_require__(1549)
  this.DatabaseError = DatabaseError
  this.TypeOverrides = TypeOverrides
  this.escapeIdentifier = escapeIdentifier
  this.escapeLiteral = escapeLiteral
  this.Result = Result
  this.utils = utils
}

let clientConstructor = Client

let forceNative = false
try {
  forceNative = !!process.env.NODE_PG_FORCE_NATIVE
} catch {
  // ignore, e.g., Deno without --allow-env
}

if (forceNative) {
  clientConstructor = __nccwpck_require__(5301)
}

module.exports = new PG(clientConstructor)

// lazy require native module...the native module may not have installed
Object.defineProperty(module.exports, "native", ({
  configurable: true,
  enumerable: false,
  get() {
    let native = null
    try {
      native = new PG(__nccwpck_require__(5301))
    } catch (err) {
      if (err.code !== 'MODULE_NOT_FOUND') {
        throw err
      }
    }

    // overwrite module.exports.native so that getter is never called again
    Object.defineProperty(module.exports, "native", ({
      value: native,
    }))

    return native
  },
}))


/***/ }),

/***/ 8942:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {

const nodeUtils = __nccwpck_require__(9023)
// eslint-disable-next-line
var Native
// eslint-disable-next-line no-useless-catch
try {
  // Wrap this `require()` in a try-catch to avoid upstream bundlers from complaining that this might not be available since it is an optional import
  Native = __nccwpck_require__(4390)
} catch (e) {
  throw e
}
const TypeOverrides = __nccwpck_require__(365)
const EventEmitter = (__nccwpck_require__(4434).EventEmitter)
const util = __nccwpck_require__(9023)
const ConnectionParameters = __nccwpck_require__(646)

const NativeQuery = __nccwpck_require__(7581)

const queryQueueLengthDeprecationNotice = nodeUtils.deprecate(
  () => {},
  'Calling client.query() when the client is already executing a query is deprecated and will be removed in pg@9.0. Use async/await or an external async flow control mechanism instead.'
)

const Client = (module.exports = function (config) {
  EventEmitter.call(this)
  config = config || {}

  this._Promise = config.Promise || global.Promise
  this._types = new TypeOverrides(config.types)

  this.native = new Native({
    types: this._types,
  })

  this._queryQueue = []
  this._ending = false
  this._connecting = false
  this._connected = false
  this._queryable = true
  this.pipeline = Boolean(config.pipeline)
  this._pipelineInFlight = false

  // keep these on the object for legacy reasons
  // for the time being. TODO: deprecate all this jazz
  const cp = (this.connectionParameters = new ConnectionParameters(config))
  if (config.nativeConnectionString) cp.nativeConnectionString = config.nativeConnectionString
  this.user = cp.user

  // "hiding" the password so it doesn't show up in stack traces
  // or if the client is console.logged
  Object.defineProperty(this, 'password', {
    configurable: true,
    enumerable: false,
    writable: true,
    value: cp.password,
  })
  this.database = cp.database
  this.host = cp.host
  this.port = cp.port

  // a hash to hold named queries
  this.namedQueries = {}
})

Client.Query = NativeQuery

util.inherits(Client, EventEmitter)

Client.prototype._errorAllQueries = function (err) {
  const enqueueError = (query) => {
    process.nextTick(() => {
      query.native = this.native
      query.handleError(err)
    })
  }

  if (this._hasActiveQuery()) {
    enqueueError(this._activeQuery)
    this._activeQuery = null
  }

  this._queryQueue.forEach(enqueueError)
  this._queryQueue.length = 0
}

// connect to the backend
// pass an optional callback to be called once connected
// or with an error if there was a connection error
Client.prototype._connect = function (cb) {
  const self = this

  if (this._connecting) {
    process.nextTick(() => cb(new Error('Client has already been connected. You cannot reuse a client.')))
    return
  }

  this._connecting = true

  this.connectionParameters.getLibpqConnectionString(function (err, conString) {
    if (self.connectionParameters.nativeConnectionString) conString = self.connectionParameters.nativeConnectionString
    if (err) return cb(err)
    self.native.connect(conString, function (err) {
      if (err) {
        self.native.end()
        return cb(err)
      }

      // set internal states to connected
      self._connected = true

      // handle connection errors from the native layer
      self.native.on('error', function (err) {
        self._queryable = false
        self._errorAllQueries(err)
        self.emit('error', err)
      })

      self.native.on('notification', function (msg) {
        self.emit('notification', {
          channel: msg.relname,
          payload: msg.extra,
        })
      })

      // signal we are connected now
      self.emit('connect')
      self._pulseQueryQueue(true)

      cb(null, this)
    })
  })
}

Client.prototype.connect = function (callback) {
  if (callback) {
    this._connect(callback)
    return
  }

  return new this._Promise((resolve, reject) => {
    this._connect((error) => {
      if (error) {
        reject(error)
      } else {
        resolve(this)
      }
    })
  })
}

// send a query to the server
// this method is highly overloaded to take
// 1) string query, optional array of parameters, optional function callback
// 2) object query with {
//    string query
//    optional array values,
//    optional function callback instead of as a separate parameter
//    optional string name to name & cache the query plan
//    optional string rowMode = 'array' for an array of results
//  }
Client.prototype.query = function (config, values, callback) {
  let query
  let result
  let readTimeout
  let readTimeoutTimer
  let queryCallback

  if (config === null || config === undefined) {
    throw new TypeError('Client was passed a null or undefined query')
  } else if (typeof config.submit === 'function') {
    readTimeout = config.query_timeout || this.connectionParameters.query_timeout
    result = query = config
    // accept query(new Query(...), (err, res) => { }) style
    if (typeof values === 'function') {
      config.callback = values
    }
  } else {
    readTimeout = config.query_timeout || this.connectionParameters.query_timeout
    query = new NativeQuery(config, values, callback)
    if (!query.callback) {
      let resolveOut, rejectOut
      result = new this._Promise((resolve, reject) => {
        resolveOut = resolve
        rejectOut = reject
      }).catch((err) => {
        Error.captureStackTrace(err)
        throw err
      })
      query.callback = (err, res) => (err ? rejectOut(err) : resolveOut(res))
    }
  }

  if (readTimeout) {
    queryCallback = query.callback || (() => {})

    readTimeoutTimer = setTimeout(() => {
      const error = new Error('Query read timeout')

      process.nextTick(() => {
        query.handleError(error, this.connection)
      })

      queryCallback(error)

      // we already returned an error,
      // just do nothing if query completes
      query.callback = () => {}

      // Remove from queue
      const index = this._queryQueue.indexOf(query)
      if (index > -1) {
        this._queryQueue.splice(index, 1)
      }

      this._pulseQueryQueue()
    }, readTimeout)

    query.callback = (err, res) => {
      clearTimeout(readTimeoutTimer)
      queryCallback(err, res)
    }
  }

  if (!this._queryable) {
    query.native = this.native
    process.nextTick(() => {
      query.handleError(new Error('Client has encountered a connection error and is not queryable'))
    })
    return result
  }

  if (this._ending) {
    query.native = this.native
    process.nextTick(() => {
      query.handleError(new Error('Client was closed and is not queryable'))
    })
    return result
  }

  if (this._queryQueue.length > 0 && !this.pipeline) {
    queryQueueLengthDeprecationNotice()
  }

  this._queryQueue.push(query)
  this._pulseQueryQueue()
  return result
}

// disconnect from the backend server
Client.prototype.end = function (cb) {
  const self = this

  this._ending = true

  if (this._connecting && !this._connected) {
    this.once('connect', () => {
      this.end(() => {})
    })
  }
  let result
  if (!cb) {
    result = new this._Promise(function (resolve, reject) {
      cb = (err) => (err ? reject(err) : resolve())
    })
  }

  const doEnd = function () {
    self.native.end(function () {
      self._connected = false

      self._errorAllQueries(new Error('Connection terminated'))

      process.nextTick(() => {
        self.emit('end')
        if (cb) cb()
      })
    })
  }

  // If pipeline has in-flight or queued queries, wait for them to drain before closing
  if (this.pipeline && (this._pipelineInFlight || this._queryQueue.length > 0)) {
    this.once('drain', doEnd)
  } else {
    doEnd()
  }
  return result
}

Client.prototype._hasActiveQuery = function () {
  return this._activeQuery && this._activeQuery.state !== 'error' && this._activeQuery.state !== 'end'
}

Client.prototype._pulseQueryQueue = function (initialConnection) {
  if (!this._connected) {
    return
  }
  if (this.pipeline && !initialConnection) {
    return this._pulsePipelinedQueryQueue()
  }
  if (this._hasActiveQuery()) {
    return
  }
  const query = this._queryQueue.shift()
  if (!query) {
    if (!initialConnection) {
      this.emit('drain')
    }
    return
  }
  this._activeQuery = query
  query.submit(this)
  const self = this
  query.once('_done', function () {
    self._pulseQueryQueue()
  })
}

Client.prototype._pulsePipelinedQueryQueue = function () {
  if (!this._connected || this._pipelineInFlight) {
    return
  }
  if (this._queryQueue.length === 0) {
    if (this.hasExecuted) {
      this.emit('drain')
    }
    return
  }

  this._pipelineInFlight = true
  const self = this
  const queries = []
  const nativeQueries = []
  const utils = __nccwpck_require__(9652)

  while (this._queryQueue.length > 0) {
    const query = this._queryQueue.shift()
    this.hasExecuted = true
    nativeQueries.push(query)

    const values = query.values ? query.values.map(utils.prepareValue) : null
    const pipelineEntry = { text: query.text, name: query.name, arrayMode: query._arrayMode }
    if (values) {
      pipelineEntry.values = values
    }
    if (query.name && this.namedQueries[query.name]) {
      pipelineEntry._alreadyPrepared = true
    }
    queries.push(pipelineEntry)
  }

  this.native.pipeline(queries, function (err, results) {
    self._pipelineInFlight = false

    if (err) {
      // Total pipeline failure. Per-query errors arrive on results[i].err, so reaching here means
      // the connection itself is gone: mark it unusable and say so, the way the JS client and the
      // non-pipelined native path both do. Without this the client looks healthy after losing its
      // backend, a Pool never discards it, and everything routed to it fails one query at a time
      // for the life of the process.
      self._connected = false
      self._queryable = false
      for (let i = 0; i < nativeQueries.length; i++) {
        const q = nativeQueries[i]
        q.native = self.native
        q.handleError(err)
      }
      self._errorAllQueries(err)
      self.emit('error', err)
      self.emit('end')
      return
    }

    // Deliver results to each query
    for (let i = 0; i < nativeQueries.length; i++) {
      const q = nativeQueries[i]
      const r = results[i]
      q.native = self.native

      if (r.err) {
        q.handleError(r.err)
      } else {
        // Track named queries on success
        if (q.name) {
          self.namedQueries[q.name] = q.text
        }
        q.state = 'end'
        q.emit('end', r.result)
        if (q.callback) {
          q.callback(null, r.result)
        }
      }

      setImmediate(function () {
        q.emit('_done')
      })
    }

    // Process any queries that arrived while we were reading
    self._pulsePipelinedQueryQueue()
  })
}

// attempt to cancel an in-progress query
Client.prototype.cancel = function (query) {
  if (this._activeQuery === query) {
    this.native.cancel(function () {})
  } else if (this._queryQueue.indexOf(query) !== -1) {
    this._queryQueue.splice(this._queryQueue.indexOf(query), 1)
  }
}

Client.prototype.ref = function () {}
Client.prototype.unref = function () {}

Client.prototype.setTypeParser = function (oid, format, parseFn) {
  return this._types.setTypeParser(oid, format, parseFn)
}

Client.prototype.getTypeParser = function (oid, format) {
  return this._types.getTypeParser(oid, format)
}

Client.prototype.isConnected = function () {
  return this._connected
}

Client.prototype.getTransactionStatus = function () {
  return this.native.getTransactionStatus()
}


/***/ }),

/***/ 5301:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {


module.exports = __nccwpck_require__(8942)


/***/ }),

/***/ 7581:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const EventEmitter = (__nccwpck_require__(4434).EventEmitter)
const util = __nccwpck_require__(9023)
const utils = __nccwpck_require__(9652)

const NativeQuery = (module.exports = function (config, values, callback) {
  EventEmitter.call(this)
  config = utils.normalizeQueryConfig(config, values, callback)
  this.text = config.text
  this.values = config.values
  this.name = config.name
  this.queryMode = config.queryMode
  this.callback = config.callback
  this.state = 'new'
  this._arrayMode = config.rowMode === 'array'

  // if the 'row' event is listened for
  // then emit them as they come in
  // without setting singleRowMode to true
  // this has almost no meaning because libpq
  // reads all rows into memory before returning any
  this._emitRowEvents = false
  this.on(
    'newListener',
    function (event) {
      if (event === 'row') this._emitRowEvents = true
    }.bind(this)
  )
})

util.inherits(NativeQuery, EventEmitter)

const errorFieldMap = {
  sqlState: 'code',
  statementPosition: 'position',
  messagePrimary: 'message',
  messageDetail: 'detail',
  messageHint: 'hint',
  context: 'where',
  schemaName: 'schema',
  tableName: 'table',
  columnName: 'column',
  dataTypeName: 'dataType',
  constraintName: 'constraint',
  sourceFile: 'file',
  sourceLine: 'line',
  sourceFunction: 'routine',
}

NativeQuery.prototype.handleError = function (err) {
  // copy pq error fields into the error object
  const fields = this.native && this.native.pq.resultErrorFields()
  if (fields) {
    for (const key in fields) {
      const normalizedFieldName = errorFieldMap[key] || key
      err[normalizedFieldName] = fields[key]
    }
  }
  if (this.callback) {
    this.callback(err)
  } else {
    this.emit('error', err)
  }
  this.state = 'error'
}

NativeQuery.prototype.then = function (onSuccess, onFailure) {
  return this._getPromise().then(onSuccess, onFailure)
}

NativeQuery.prototype.catch = function (callback) {
  return this._getPromise().catch(callback)
}

NativeQuery.prototype._getPromise = function () {
  if (this._promise) return this._promise
  this._promise = new Promise(
    function (resolve, reject) {
      this._once('end', resolve)
      this._once('error', reject)
    }.bind(this)
  )
  return this._promise
}

NativeQuery.prototype.submit = function (client) {
  this.state = 'running'
  const self = this
  this.native = client.native
  client.native.arrayMode = this._arrayMode

  let after = function (err, rows, results) {
    client.native.arrayMode = false
    setImmediate(function () {
      self.emit('_done')
    })

    // handle possible query error
    if (err) {
      return self.handleError(err)
    }

    // emit row events for each row in the result
    if (self._emitRowEvents) {
      if (results.length > 1) {
        rows.forEach((rowOfRows, i) => {
          rowOfRows.forEach((row) => {
            self.emit('row', row, results[i])
          })
        })
      } else {
        rows.forEach(function (row) {
          self.emit('row', row, results)
        })
      }
    }

    // handle successful result
    self.state = 'end'
    self.emit('end', results)
    if (self.callback) {
      self.callback(null, results)
    }
  }

  if (process.domain) {
    after = process.domain.bind(after)
  }

  // named query
  if (this.name) {
    if (this.name.length > 63) {
      console.error('Warning! Postgres only supports 63 characters for query names.')
      console.error('You supplied %s (%s)', this.name, this.name.length)
      console.error('This can cause conflicts and silent errors executing queries')
    }
    const values = (this.values || []).map(utils.prepareValue)

    // check if the client has already executed this named query
    // if so...just execute it again - skip the planning phase
    if (client.namedQueries[this.name] !== undefined) {
      if (this.text && client.namedQueries[this.name] !== this.text) {
        const err = new Error(`Prepared statements must be unique - '${this.name}' was used for a different statement`)
        return after(err)
      }
      return client.native.execute(this.name, values, after)
    }
    // plan the named query the first time, then execute it
    return client.native.prepare(this.name, this.text, values.length, function (err) {
      if (err) return after(err)
      client.namedQueries[self.name] = self.text
      return self.native.execute(self.name, values, after)
    })
  } else if (this.values) {
    if (!Array.isArray(this.values)) {
      const err = new Error('Query values must be an array')
      return after(err)
    }
    const vals = this.values.map(utils.prepareValue)
    client.native.query(this.text, vals, after)
  } else if (this.queryMode === 'extended') {
    client.native.query(this.text, [], after)
  } else {
    client.native.query(this.text, after)
  }
}


/***/ }),

/***/ 4473:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const { EventEmitter } = __nccwpck_require__(4434)

const Result = __nccwpck_require__(6424)
const utils = __nccwpck_require__(9652)

class Query extends EventEmitter {
  constructor(config, values, callback) {
    super()

    config = utils.normalizeQueryConfig(config, values, callback)

    this.text = config.text
    this.values = config.values
    this.rows = config.rows
    this.types = config.types
    this.name = config.name
    this.queryMode = config.queryMode
    this.binary = config.binary
    // use unique portal name each time
    this.portal = config.portal || ''
    this.callback = config.callback
    this._rowMode = config.rowMode
    if (process.domain && config.callback) {
      this.callback = process.domain.bind(config.callback)
    }
    this._result = new Result(this._rowMode, this.types)

    // potential for multiple results
    this._results = this._result
    this._canceledDueToError = false
  }

  requiresPreparation() {
    if (this.queryMode === 'extended') {
      return true
    }

    // named queries must always be prepared
    if (this.name) {
      return true
    }
    // always prepare if there are max number of rows expected per
    // portal execution
    if (this.rows) {
      return true
    }
    // don't prepare empty text queries
    if (!this.text) {
      return false
    }
    // prepare if there are values
    if (!this.values) {
      return false
    }
    return this.values.length > 0
  }

  _checkForMultirow() {
    // if we already have a result with a command property
    // then we've already executed one query in a multi-statement simple query
    // turn our results into an array of results
    if (this._result.command) {
      if (!Array.isArray(this._results)) {
        this._results = [this._result]
      }
      this._result = new Result(this._rowMode, this._result._types)
      this._results.push(this._result)
    }
  }

  // associates row metadata from the supplied
  // message with this query object
  // metadata used when parsing row results
  handleRowDescription(msg) {
    this._checkForMultirow()
    this._result.addFields(msg.fields)
    this._accumulateRows = this.callback || !this.listeners('row').length
  }

  handleDataRow(msg) {
    let row

    if (this._canceledDueToError) {
      return
    }

    try {
      row = this._result.parseRow(msg.fields)
    } catch (err) {
      this._canceledDueToError = err
      return
    }

    this.emit('row', row, this._result)
    if (this._accumulateRows) {
      this._result.addRow(row)
    }
  }

  handleCommandComplete(msg, connection) {
    this._checkForMultirow()
    this._result.addCommandComplete(msg)
    // need to sync after each command complete of a prepared statement
    // if we were using a row count which results in multiple calls to _getRows
    if (this.rows) {
      connection.sync()
    }
  }

  // if a named prepared statement is created with empty query text
  // the backend will send an emptyQuery message but *not* a command complete message
  // since we pipeline sync immediately after execute we don't need to do anything here
  // unless we have rows specified, in which case we did not pipeline the initial sync call
  handleEmptyQuery(connection) {
    if (this.rows) {
      connection.sync()
    }
  }

  handleError(err, connection) {
    // need to sync after error during a prepared statement
    if (this._canceledDueToError) {
      err = this._canceledDueToError
      this._canceledDueToError = false
    }
    // if callback supplied do not emit error event as uncaught error
    // events will bubble up to node process
    if (this.callback) {
      return this.callback(err)
    }
    this.emit('error', err)
  }

  handleReadyForQuery(con) {
    if (this._canceledDueToError) {
      return this.handleError(this._canceledDueToError, con)
    }
    if (this.callback) {
      try {
        this.callback(null, this._results)
      } catch (err) {
        process.nextTick(() => {
          throw err
        })
      }
    }
    this.emit('end', this._results)
  }

  submit(connection) {
    if (typeof this.text !== 'string' && typeof this.name !== 'string') {
      return new Error('A query must have either text or a name. Supplying neither is unsupported.')
    }
    const previous = connection.parsedStatements[this.name] || connection.submittedNamedStatements[this.name]
    if (this.text && previous && this.text !== previous) {
      return new Error(`Prepared statements must be unique - '${this.name}' was used for a different statement`)
    }
    if (this.values && !Array.isArray(this.values)) {
      return new Error('Query values must be an array')
    }
    if (this.requiresPreparation()) {
      // If we're using the extended query protocol we fire off several separate commands
      // to the backend. On some versions of node & some operating system versions
      // the network stack writes each message separately instead of buffering them together
      // causing the client & network to send more slowly. Corking & uncorking the stream
      // allows node to buffer up the messages internally before sending them all off at once.
      // note: we're checking for existence of cork/uncork because some versions of streams
      // might not have this (cloudflare?)
      connection.stream.cork && connection.stream.cork()
      try {
        this.prepare(connection)
      } finally {
        // while unlikely for this.prepare to throw, if it does & we don't uncork this stream
        // this client becomes unresponsive, so put in finally block "just in case"
        connection.stream.uncork && connection.stream.uncork()
      }
    } else {
      connection.query(this.text)
    }
    return null
  }

  hasBeenParsed(connection) {
    return (
      this.name &&
      (connection.parsedStatements[this.name] !== undefined ||
        connection.submittedNamedStatements[this.name] !== undefined)
    )
  }

  handlePortalSuspended(connection) {
    this._getRows(connection, this.rows)
  }

  _getRows(connection, rows) {
    connection.execute({
      portal: this.portal,
      rows: rows,
    })
    // if we're not reading pages of rows send the sync command
    // to indicate the pipeline is finished
    if (!rows) {
      connection.sync()
    } else {
      // otherwise flush the call out to read more rows
      connection.flush()
    }
  }

  // http://developer.postgresql.org/pgdocs/postgres/protocol-flow.html#PROTOCOL-FLOW-EXT-QUERY
  prepare(connection) {
    // TODO refactor this poor encapsulation
    if (!this.hasBeenParsed(connection)) {
      connection.parse({
        text: this.text,
        name: this.name,
        types: this.types,
      })
      if (this.name) {
        connection.submittedNamedStatements[this.name] = this.text
      }
    }

    // because we're mapping user supplied values to
    // postgres wire protocol compatible values it could
    // throw an exception, so try/catch this section
    try {
      connection.bind({
        portal: this.portal,
        statement: this.name,
        values: this.values,
        binary: this.binary,
        valueMapper: utils.prepareValue,
      })
    } catch (err) {
      // we should close parse to avoid leaking connections
      connection.close({ type: 'S', name: this.name })
      connection.sync()

      this.handleError(err, connection)
      return
    }

    connection.describe({
      type: 'P',
      name: this.portal || '',
    })

    this._getRows(connection, this.rows)
  }

  handleCopyInResponse(connection) {
    connection.sendCopyFail('No source stream defined')
  }

  handleCopyData(msg, connection) {
    // noop
  }
}

module.exports = Query


/***/ }),

/***/ 6424:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const types = __nccwpck_require__(1549)

const matchRegexp = /^([A-Za-z]+)(?: (\d+))?(?: (\d+))?/

// result object returned from query
// in the 'end' event and also
// passed as second argument to provided callback
class Result {
  constructor(rowMode, types) {
    this.command = null
    this.rowCount = null
    this.oid = null
    this.rows = []
    this.fields = []
    this._parsers = undefined
    this._types = types
    this.RowCtor = null
    this.rowAsArray = rowMode === 'array'
    if (this.rowAsArray) {
      this.parseRow = this._parseRowAsArray
    }
    this._prebuiltEmptyResultObject = null
  }

  // adds a command complete message
  addCommandComplete(msg) {
    let match
    if (msg.text) {
      // pure javascript
      match = matchRegexp.exec(msg.text)
    } else {
      // native bindings
      match = matchRegexp.exec(msg.command)
    }
    if (match) {
      this.command = match[1]
      if (match[3]) {
        // COMMAND OID ROWS
        this.oid = parseInt(match[2], 10)
        this.rowCount = parseInt(match[3], 10)
      } else if (match[2]) {
        // COMMAND ROWS
        this.rowCount = parseInt(match[2], 10)
      }
    }
  }

  _parseRowAsArray(rowData) {
    const row = new Array(rowData.length)
    for (let i = 0, len = rowData.length; i < len; i++) {
      const rawValue = rowData[i]
      if (rawValue !== null) {
        row[i] = this._parsers[i](rawValue)
      } else {
        row[i] = null
      }
    }
    return row
  }

  parseRow(rowData) {
    const row = { ...this._prebuiltEmptyResultObject }
    for (let i = 0, len = rowData.length; i < len; i++) {
      const rawValue = rowData[i]
      const field = this.fields[i].name
      if (rawValue !== null) {
        const v = this.fields[i].format === 'binary' ? Buffer.from(rawValue) : rawValue
        row[field] = this._parsers[i](v)
      } else {
        row[field] = null
      }
    }
    return row
  }

  addRow(row) {
    this.rows.push(row)
  }

  addFields(fieldDescriptions) {
    // clears field definitions
    // multiple query statements in 1 action can result in multiple sets
    // of rowDescriptions...eg: 'select NOW(); select 1::int;'
    // you need to reset the fields
    this.fields = fieldDescriptions
    if (this.fields.length) {
      this._parsers = new Array(fieldDescriptions.length)
    }

    const row = Object.create(null)

    for (let i = 0; i < fieldDescriptions.length; i++) {
      const desc = fieldDescriptions[i]
      row[desc.name] = null

      if (this._types) {
        this._parsers[i] = this._types.getTypeParser(desc.dataTypeID, desc.format || 'text')
      } else {
        this._parsers[i] = types.getTypeParser(desc.dataTypeID, desc.format || 'text')
      }
    }

    this._prebuiltEmptyResultObject = { ...row }
  }
}

module.exports = Result


/***/ }),

/***/ 829:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {

const { getStream, getSecureStream } = getStreamFuncs()

module.exports = {
  /**
   * Get a socket stream compatible with the current runtime environment.
   * @returns {Duplex}
   */
  getStream,
  /**
   * Get a TLS secured socket, compatible with the current environment,
   * using the socket and other settings given in `options`.
   * @returns {Duplex}
   */
  getSecureStream,
}

/**
 * The stream functions that work in Node.js
 */
function getNodejsStreamFuncs() {
  function getStream(ssl) {
    const net = __nccwpck_require__(9278)
    return new net.Socket()
  }

  function getSecureStream(options) {
    const tls = __nccwpck_require__(4756)
    return tls.connect(options)
  }
  return {
    getStream,
    getSecureStream,
  }
}

/**
 * The stream functions that work in Cloudflare Workers
 */
function getCloudflareStreamFuncs() {
  function getStream(ssl) {
    const { CloudflareSocket } = __nccwpck_require__(785)
    return new CloudflareSocket(ssl)
  }

  function getSecureStream(options) {
    options.socket.startTls(options)
    return options.socket
  }
  return {
    getStream,
    getSecureStream,
  }
}

/**
 * Are we running in a Cloudflare Worker?
 *
 * @returns true if the code is currently running inside a Cloudflare Worker.
 */
function isCloudflareRuntime() {
  // Since 2022-03-21 the `global_navigator` compatibility flag is on for Cloudflare Workers
  // which means that `navigator.userAgent` will be defined.
  // eslint-disable-next-line no-undef
  if (typeof navigator === 'object' && navigator !== null && typeof navigator.userAgent === 'string') {
    // eslint-disable-next-line no-undef
    return navigator.userAgent === 'Cloudflare-Workers'
  }
  // In case `navigator` or `navigator.userAgent` is not defined then try a more sneaky approach
  if (typeof Response === 'function') {
    const resp = new Response(null, { cf: { thing: true } })
    if (typeof resp.cf === 'object' && resp.cf !== null && resp.cf.thing) {
      return true
    }
  }
  return false
}

function getStreamFuncs() {
  if (isCloudflareRuntime()) {
    return getCloudflareStreamFuncs()
  }
  return getNodejsStreamFuncs()
}


/***/ }),

/***/ 365:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const types = __nccwpck_require__(1549)

function TypeOverrides(userTypes) {
  this._types = userTypes || types
  this.text = {}
  this.binary = {}
}

TypeOverrides.prototype.getOverrides = function (format) {
  switch (format) {
    case 'text':
      return this.text
    case 'binary':
      return this.binary
    default:
      return {}
  }
}

TypeOverrides.prototype.setTypeParser = function (oid, format, parseFn) {
  if (typeof format === 'function') {
    parseFn = format
    format = 'text'
  }
  this.getOverrides(format)[oid] = parseFn
}

TypeOverrides.prototype.getTypeParser = function (oid, format) {
  format = format || 'text'
  return this.getOverrides(format)[oid] || this._types.getTypeParser(oid, format)
}

module.exports = TypeOverrides


/***/ }),

/***/ 9652:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



const defaults = __nccwpck_require__(8995)
const nodeUtils = __nccwpck_require__(9023)

const { isDate } = __nccwpck_require__(8253)

const invalidDateDeprecationNotice = nodeUtils.deprecate(
  () => {},
  'Sending an invalid date to Postgres is deprecated and will throw an error in the next major version of pg. Ensure any Date object passed as a query parameter is valid.',
  'PG_INVALID_DATE'
)

function escapeElement(elementRepresentation) {
  const escaped = elementRepresentation.replace(/\\/g, '\\\\').replace(/"/g, '\\"')

  return '"' + escaped + '"'
}

// convert a JS array to a postgres array literal
// uses comma separator so won't work for types like box that use
// a different array separator.
function arrayString(val) {
  let result = '{'
  for (let i = 0; i < val.length; i++) {
    if (i > 0) {
      result += ','
    }
    let item = val[i]
    if (item == null) {
      result += 'NULL'
    } else if (Array.isArray(item)) {
      result += arrayString(item)
    } else if (ArrayBuffer.isView(item)) {
      if (!(item instanceof Buffer)) {
        item = Buffer.from(item.buffer, item.byteOffset, item.byteLength)
      }
      result += '\\\\x' + item.toString('hex')
    } else {
      result += escapeElement(prepareValue(item))
    }
  }
  result += '}'
  return result
}

// converts values from javascript types
// to their 'raw' counterparts for use as a postgres parameter
// note: you can override this function to provide your own conversion mechanism
// for complex types, etc...
const prepareValue = function (val, seen) {
  // null and undefined are both null for postgres
  if (val == null) {
    return null
  }
  if (typeof val === 'object') {
    if (val instanceof Buffer) {
      return val
    }
    if (ArrayBuffer.isView(val)) {
      return Buffer.from(val.buffer, val.byteOffset, val.byteLength)
    }
    if (isDate(val)) {
      if (isNaN(val.getTime())) {
        invalidDateDeprecationNotice()
      }
      if (defaults.parseInputDatesAsUTC) {
        return dateToStringUTC(val)
      } else {
        return dateToString(val)
      }
    }
    if (Array.isArray(val)) {
      return arrayString(val)
    }

    return prepareObject(val, seen)
  }
  return val.toString()
}

function prepareObject(val, seen) {
  if (val && typeof val.toPostgres === 'function') {
    seen = seen || []
    if (seen.indexOf(val) !== -1) {
      throw new Error('circular reference detected while preparing "' + val + '" for query')
    }
    seen.push(val)

    return prepareValue(val.toPostgres(prepareValue), seen)
  }
  return JSON.stringify(val)
}

function dateToString(date) {
  let offset = -date.getTimezoneOffset()

  let year = date.getFullYear()
  const isBCYear = year < 1
  if (isBCYear) year = Math.abs(year) + 1 // negative years are 1 off their BC representation

  let ret =
    String(year).padStart(4, '0') +
    '-' +
    String(date.getMonth() + 1).padStart(2, '0') +
    '-' +
    String(date.getDate()).padStart(2, '0') +
    'T' +
    String(date.getHours()).padStart(2, '0') +
    ':' +
    String(date.getMinutes()).padStart(2, '0') +
    ':' +
    String(date.getSeconds()).padStart(2, '0') +
    '.' +
    String(date.getMilliseconds()).padStart(3, '0')

  if (offset < 0) {
    ret += '-'
    offset *= -1
  } else {
    ret += '+'
  }

  ret += String(Math.floor(offset / 60)).padStart(2, '0') + ':' + String(offset % 60).padStart(2, '0')
  if (isBCYear) ret += ' BC'
  return ret
}

function dateToStringUTC(date) {
  let year = date.getUTCFullYear()
  const isBCYear = year < 1
  if (isBCYear) year = Math.abs(year) + 1 // negative years are 1 off their BC representation

  let ret =
    String(year).padStart(4, '0') +
    '-' +
    String(date.getUTCMonth() + 1).padStart(2, '0') +
    '-' +
    String(date.getUTCDate()).padStart(2, '0') +
    'T' +
    String(date.getUTCHours()).padStart(2, '0') +
    ':' +
    String(date.getUTCMinutes()).padStart(2, '0') +
    ':' +
    String(date.getUTCSeconds()).padStart(2, '0') +
    '.' +
    String(date.getUTCMilliseconds()).padStart(3, '0')

  ret += '+00:00'
  if (isBCYear) ret += ' BC'
  return ret
}

function normalizeQueryConfig(config, values, callback) {
  // can take in strings or config objects
  // Copy config so normalization does not mutate the caller's object.
  config = typeof config === 'string' ? { text: config } : cloneQueryConfig(config)
  if (values) {
    if (typeof values === 'function') {
      config.callback = values
    } else {
      config.values = values
    }
  }
  if (callback) {
    config.callback = callback
  }
  return config
}

function cloneQueryConfig(config) {
  if (config == null) {
    return config
  }
  return Object.defineProperties(Object.create(Object.getPrototypeOf(config)), Object.getOwnPropertyDescriptors(config))
}

// Ported from PostgreSQL 9.2.4 source code in src/interfaces/libpq/fe-exec.c
const escapeIdentifier = function (str) {
  return '"' + str.replace(/"/g, '""') + '"'
}

const escapeLiteral = function (str) {
  let hasBackslash = false
  let escaped = "'"

  if (str == null) {
    return "''"
  }

  if (typeof str !== 'string') {
    return "''"
  }

  for (let i = 0; i < str.length; i++) {
    const c = str[i]
    if (c === "'") {
      escaped += c + c
    } else if (c === '\\') {
      escaped += c + c
      hasBackslash = true
    } else {
      escaped += c
    }
  }

  escaped += "'"

  if (hasBackslash === true) {
    escaped = ' E' + escaped
  }

  return escaped
}

module.exports = {
  prepareValue: function prepareValueWrapper(value) {
    // this ensures that extra arguments do not get passed into prepareValue
    // by accident, eg: from calling values.map(utils.prepareValue)
    return prepareValue(value)
  },
  normalizeQueryConfig,
  escapeIdentifier,
  escapeLiteral,
}


/***/ }),

/***/ 8702:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



var path = __nccwpck_require__(6928)
  , Stream = (__nccwpck_require__(2203).Stream)
  , split = __nccwpck_require__(5286)
  , util = __nccwpck_require__(9023)
  , defaultPort = 5432
  , isWin = (process.platform === 'win32')
  , warnStream = process.stderr
;


var S_IRWXG = 56     //    00070(8)
  , S_IRWXO = 7      //    00007(8)
  , S_IFMT  = 61440  // 00170000(8)
  , S_IFREG = 32768  //  0100000(8)
;
function isRegFile(mode) {
    return ((mode & S_IFMT) == S_IFREG);
}

var fieldNames = [ 'host', 'port', 'database', 'user', 'password' ];
var nrOfFields = fieldNames.length;
var passKey = fieldNames[ nrOfFields -1 ];


function warn() {
    var isWritable = (
        warnStream instanceof Stream &&
          true === warnStream.writable
    );

    if (isWritable) {
        var args = Array.prototype.slice.call(arguments).concat("\n");
        warnStream.write( util.format.apply(util, args) );
    }
}


Object.defineProperty(module.exports, "isWin", ({
    get : function() {
        return isWin;
    } ,
    set : function(val) {
        isWin = val;
    }
}));


module.exports.warnTo = function(stream) {
    var old = warnStream;
    warnStream = stream;
    return old;
};

module.exports.getFileName = function(rawEnv){
    var env = rawEnv || process.env;
    var file = env.PGPASSFILE || (
        isWin ?
          path.join( env.APPDATA || './' , 'postgresql', 'pgpass.conf' ) :
          path.join( env.HOME || './', '.pgpass' )
    );
    return file;
};

module.exports.usePgPass = function(stats, fname) {
    if (Object.prototype.hasOwnProperty.call(process.env, 'PGPASSWORD')) {
        return false;
    }

    if (isWin) {
        return true;
    }

    fname = fname || '<unkn>';

    if (! isRegFile(stats.mode)) {
        warn('WARNING: password file "%s" is not a plain file', fname);
        return false;
    }

    if (stats.mode & (S_IRWXG | S_IRWXO)) {
        /* If password file is insecure, alert the user and ignore it. */
        warn('WARNING: password file "%s" has group or world access; permissions should be u=rw (0600) or less', fname);
        return false;
    }

    return true;
};


var matcher = module.exports.match = function(connInfo, entry) {
    return fieldNames.slice(0, -1).reduce(function(prev, field, idx){
        if (idx == 1) {
            // the port
            if ( Number( connInfo[field] || defaultPort ) === Number( entry[field] ) ) {
                return prev && true;
            }
        }
        return prev && (
            entry[field] === '*' ||
              entry[field] === connInfo[field]
        );
    }, true);
};


module.exports.getPassword = function(connInfo, stream, cb) {
    var pass;
    var lineStream = stream.pipe(split());

    function onLine(line) {
        var entry = parseLine(line);
        if (entry && isValidEntry(entry) && matcher(connInfo, entry)) {
            pass = entry[passKey];
            lineStream.end(); // -> calls onEnd(), but pass is set now
        }
    }

    var onEnd = function() {
        stream.destroy();
        cb(pass);
    };

    var onErr = function(err) {
        stream.destroy();
        warn('WARNING: error on reading file: %s', err);
        cb(undefined);
    };

    stream.on('error', onErr);
    lineStream
        .on('data', onLine)
        .on('end', onEnd)
        .on('error', onErr)
    ;

};


var parseLine = module.exports.parseLine = function(line) {
    if (line.length < 11 || line.match(/^\s+#/)) {
        return null;
    }

    var curChar = '';
    var prevChar = '';
    var fieldIdx = 0;
    var startIdx = 0;
    var endIdx = 0;
    var obj = {};
    var isLastField = false;
    var addToObj = function(idx, i0, i1) {
        var field = line.substring(i0, i1);

        if (! Object.hasOwnProperty.call(process.env, 'PGPASS_NO_DEESCAPE')) {
            field = field.replace(/\\([:\\])/g, '$1');
        }

        obj[ fieldNames[idx] ] = field;
    };

    for (var i = 0 ; i < line.length-1 ; i += 1) {
        curChar = line.charAt(i+1);
        prevChar = line.charAt(i);

        isLastField = (fieldIdx == nrOfFields-1);

        if (isLastField) {
            addToObj(fieldIdx, startIdx);
            break;
        }

        if (i >= 0 && curChar == ':' && prevChar !== '\\') {
            addToObj(fieldIdx, startIdx, i+1);

            startIdx = i+2;
            fieldIdx += 1;
        }
    }

    obj = ( Object.keys(obj).length === nrOfFields ) ? obj : null;

    return obj;
};


var isValidEntry = module.exports.isValidEntry = function(entry){
    var rules = {
        // host
        0 : function(x){
            return x.length > 0;
        } ,
        // port
        1 : function(x){
            if (x === '*') {
                return true;
            }
            x = Number(x);
            return (
                isFinite(x) &&
                  x > 0 &&
                  x < 9007199254740992 &&
                  Math.floor(x) === x
            );
        } ,
        // database
        2 : function(x){
            return x.length > 0;
        } ,
        // username
        3 : function(x){
            return x.length > 0;
        } ,
        // password
        4 : function(x){
            return x.length > 0;
        }
    };

    for (var idx = 0 ; idx < fieldNames.length ; idx += 1) {
        var rule = rules[idx];
        var value = entry[ fieldNames[idx] ] || '';

        var res = rule(value);
        if (!res) {
            return false;
        }
    }

    return true;
};



/***/ }),

/***/ 3272:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



var path = __nccwpck_require__(6928)
  , fs = __nccwpck_require__(9896)
  , helper = __nccwpck_require__(8702)
;


module.exports = function(connInfo, cb) {
    var file = helper.getFileName();
    
    fs.stat(file, function(err, stat){
        if (err || !helper.usePgPass(stat, file)) {
            return cb(undefined);
        }

        var st = fs.createReadStream(file);

        helper.getPassword(connInfo, st, cb);
    });
};

module.exports.warnTo = helper.warnTo;


/***/ }),

/***/ 3879:
/***/ ((__unused_webpack_module, exports) => {



exports.parse = function (source, transform) {
  return new ArrayParser(source, transform).parse()
}

class ArrayParser {
  constructor (source, transform) {
    this.source = source
    this.transform = transform || identity
    this.position = 0
    this.entries = []
    this.recorded = []
    this.dimension = 0
  }

  isEof () {
    return this.position >= this.source.length
  }

  nextCharacter () {
    var character = this.source[this.position++]
    if (character === '\\') {
      return {
        value: this.source[this.position++],
        escaped: true
      }
    }
    return {
      value: character,
      escaped: false
    }
  }

  record (character) {
    this.recorded.push(character)
  }

  newEntry (includeEmpty) {
    var entry
    if (this.recorded.length > 0 || includeEmpty) {
      entry = this.recorded.join('')
      if (entry === 'NULL' && !includeEmpty) {
        entry = null
      }
      if (entry !== null) entry = this.transform(entry)
      this.entries.push(entry)
      this.recorded = []
    }
  }

  consumeDimensions () {
    if (this.source[0] === '[') {
      while (!this.isEof()) {
        var char = this.nextCharacter()
        if (char.value === '=') break
      }
    }
  }

  parse (nested) {
    var character, parser, quote
    this.consumeDimensions()
    while (!this.isEof()) {
      character = this.nextCharacter()
      if (character.value === '{' && !quote) {
        this.dimension++
        if (this.dimension > 1) {
          parser = new ArrayParser(this.source.substr(this.position - 1), this.transform)
          this.entries.push(parser.parse(true))
          this.position += parser.position - 2
        }
      } else if (character.value === '}' && !quote) {
        this.dimension--
        if (!this.dimension) {
          this.newEntry()
          if (nested) return this.entries
        }
      } else if (character.value === '"' && !character.escaped) {
        if (quote) this.newEntry(true)
        quote = !quote
      } else if (character.value === ',' && !quote) {
        this.newEntry()
      } else {
        this.record(character.value)
      }
    }
    if (this.dimension !== 0) {
      throw new Error('array dimension not balanced')
    }
    return this.entries
  }
}

function identity (value) {
  return value
}


/***/ }),

/***/ 463:
/***/ ((module) => {



var bufferFrom = Buffer.from || Buffer

module.exports = function parseBytea (input) {
  if (/^\\x/.test(input)) {
    // new 'hex' style response (pg >9.0)
    return bufferFrom(input.substr(2), 'hex')
  }
  var output = ''
  var i = 0
  while (i < input.length) {
    if (input[i] !== '\\') {
      output += input[i]
      ++i
    } else {
      if (/[0-7]{3}/.test(input.substr(i + 1, 3))) {
        output += String.fromCharCode(parseInt(input.substr(i + 1, 3), 8))
        i += 4
      } else {
        var backslashes = 1
        while (i + backslashes < input.length && input[i + backslashes] === '\\') {
          backslashes++
        }
        for (var k = 0; k < Math.floor(backslashes / 2); ++k) {
          output += '\\'
        }
        i += Math.floor(backslashes / 2) * 2
      }
    }
  }
  return bufferFrom(output, 'binary')
}


/***/ }),

/***/ 2690:
/***/ ((module) => {



var DATE_TIME = /(\d{1,})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d{1,})?.*?( BC)?$/
var DATE = /^(\d{1,})-(\d{2})-(\d{2})( BC)?$/
var TIME_ZONE = /([Z+-])(\d{2})?:?(\d{2})?:?(\d{2})?/
var INFINITY = /^-?infinity$/

module.exports = function parseDate (isoDate) {
  if (INFINITY.test(isoDate)) {
    // Capitalize to Infinity before passing to Number
    return Number(isoDate.replace('i', 'I'))
  }
  var matches = DATE_TIME.exec(isoDate)

  if (!matches) {
    // Force YYYY-MM-DD dates to be parsed as local time
    return getDate(isoDate) || null
  }

  var isBC = !!matches[8]
  var year = parseInt(matches[1], 10)
  if (isBC) {
    year = bcYearToNegativeYear(year)
  }

  var month = parseInt(matches[2], 10) - 1
  var day = matches[3]
  var hour = parseInt(matches[4], 10)
  var minute = parseInt(matches[5], 10)
  var second = parseInt(matches[6], 10)

  var ms = matches[7]
  ms = ms ? 1000 * parseFloat(ms) : 0

  var date
  var offset = timeZoneOffset(isoDate)
  if (offset != null) {
    date = new Date(Date.UTC(year, month, day, hour, minute, second, ms))

    // Account for years from 0 to 99 being interpreted as 1900-1999
    // by Date.UTC / the multi-argument form of the Date constructor
    if (is0To99(year)) {
      date.setUTCFullYear(year)
    }

    if (offset !== 0) {
      date.setTime(date.getTime() - offset)
    }
  } else {
    date = new Date(year, month, day, hour, minute, second, ms)

    if (is0To99(year)) {
      date.setFullYear(year)
    }
  }

  return date
}

function getDate (isoDate) {
  var matches = DATE.exec(isoDate)
  if (!matches) {
    return
  }

  var year = parseInt(matches[1], 10)
  var isBC = !!matches[4]
  if (isBC) {
    year = bcYearToNegativeYear(year)
  }

  var month = parseInt(matches[2], 10) - 1
  var day = matches[3]
  // YYYY-MM-DD will be parsed as local time
  var date = new Date(year, month, day)

  if (is0To99(year)) {
    date.setFullYear(year)
  }

  return date
}

// match timezones:
// Z (UTC)
// -05
// +06:30
function timeZoneOffset (isoDate) {
  if (isoDate.endsWith('+00')) {
    return 0
  }

  var zone = TIME_ZONE.exec(isoDate.split(' ')[1])
  if (!zone) return
  var type = zone[1]

  if (type === 'Z') {
    return 0
  }
  var sign = type === '-' ? -1 : 1
  var offset = parseInt(zone[2], 10) * 3600 +
    parseInt(zone[3] || 0, 10) * 60 +
    parseInt(zone[4] || 0, 10)

  return offset * sign * 1000
}

function bcYearToNegativeYear (year) {
  // Account for numerical difference between representations of BC years
  // See: https://github.com/bendrucker/postgres-date/issues/5
  return -(year - 1)
}

function is0To99 (num) {
  return num >= 0 && num < 100
}


/***/ }),

/***/ 8755:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {



var extend = __nccwpck_require__(223)

module.exports = PostgresInterval

function PostgresInterval (raw) {
  if (!(this instanceof PostgresInterval)) {
    return new PostgresInterval(raw)
  }
  extend(this, parse(raw))
}
var properties = ['seconds', 'minutes', 'hours', 'days', 'months', 'years']
PostgresInterval.prototype.toPostgres = function () {
  var filtered = properties.filter(this.hasOwnProperty, this)

  // In addition to `properties`, we need to account for fractions of seconds.
  if (this.milliseconds && filtered.indexOf('seconds') < 0) {
    filtered.push('seconds')
  }

  if (filtered.length === 0) return '0'
  return filtered
    .map(function (property) {
      var value = this[property] || 0

      // Account for fractional part of seconds,
      // remove trailing zeroes.
      if (property === 'seconds' && this.milliseconds) {
        value = (value + this.milliseconds / 1000).toFixed(6).replace(/\.?0+$/, '')
      }

      return value + ' ' + property
    }, this)
    .join(' ')
}

var propertiesISOEquivalent = {
  years: 'Y',
  months: 'M',
  days: 'D',
  hours: 'H',
  minutes: 'M',
  seconds: 'S'
}
var dateProperties = ['years', 'months', 'days']
var timeProperties = ['hours', 'minutes', 'seconds']
// according to ISO 8601
PostgresInterval.prototype.toISOString = PostgresInterval.prototype.toISO = function () {
  var datePart = dateProperties
    .map(buildProperty, this)
    .join('')

  var timePart = timeProperties
    .map(buildProperty, this)
    .join('')

  return 'P' + datePart + 'T' + timePart

  function buildProperty (property) {
    var value = this[property] || 0

    // Account for fractional part of seconds,
    // remove trailing zeroes.
    if (property === 'seconds' && this.milliseconds) {
      value = (value + this.milliseconds / 1000).toFixed(6).replace(/0+$/, '')
    }

    return value + propertiesISOEquivalent[property]
  }
}

var NUMBER = '([+-]?\\d+)'
var YEAR = NUMBER + '\\s+years?'
var MONTH = NUMBER + '\\s+mons?'
var DAY = NUMBER + '\\s+days?'
var TIME = '([+-])?([\\d]*):(\\d\\d):(\\d\\d)\\.?(\\d{1,6})?'
var INTERVAL = new RegExp([YEAR, MONTH, DAY, TIME].map(function (regexString) {
  return '(' + regexString + ')?'
})
  .join('\\s*'))

// Positions of values in regex match
var positions = {
  years: 2,
  months: 4,
  days: 6,
  hours: 9,
  minutes: 10,
  seconds: 11,
  milliseconds: 12
}
// We can use negative time
var negatives = ['hours', 'minutes', 'seconds', 'milliseconds']

function parseMilliseconds (fraction) {
  // add omitted zeroes
  var microseconds = fraction + '000000'.slice(fraction.length)
  return parseInt(microseconds, 10) / 1000
}

function parse (interval) {
  if (!interval) return {}
  var matches = INTERVAL.exec(interval)
  var isNegative = matches[8] === '-'
  return Object.keys(positions)
    .reduce(function (parsed, property) {
      var position = positions[property]
      var value = matches[position]
      // no empty string
      if (!value) return parsed
      // milliseconds are actually microseconds (up to 6 digits)
      // with omitted trailing zeroes.
      value = property === 'milliseconds'
        ? parseMilliseconds(value)
        : parseInt(value, 10)
      // no zeros
      if (!value) return parsed
      if (isNegative && ~negatives.indexOf(property)) {
        value *= -1
      }
      parsed[property] = value
      return parsed
    }, {})
}


/***/ }),

/***/ 5286:
/***/ ((module, __unused_webpack_exports, __nccwpck_require__) => {

/*
Copyright (c) 2014-2021, Matteo Collina <hello@matteocollina.com>

Permission to use, copy, modify, and/or distribute this software for any
purpose with or without fee is hereby granted, provided that the above
copyright notice and this permission notice appear in all copies.

THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF OR
IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
*/



const { Transform } = __nccwpck_require__(2203)
const { StringDecoder } = __nccwpck_require__(3193)
const kLast = Symbol('last')
const kDecoder = Symbol('decoder')

function transform (chunk, enc, cb) {
  let list
  if (this.overflow) { // Line buffer is full. Skip to start of next line.
    const buf = this[kDecoder].write(chunk)
    list = buf.split(this.matcher)

    if (list.length === 1) return cb() // Line ending not found. Discard entire chunk.

    // Line ending found. Discard trailing fragment of previous line and reset overflow state.
    list.shift()
    this.overflow = false
  } else {
    this[kLast] += this[kDecoder].write(chunk)
    list = this[kLast].split(this.matcher)
  }

  this[kLast] = list.pop()

  for (let i = 0; i < list.length; i++) {
    try {
      push(this, this.mapper(list[i]))
    } catch (error) {
      return cb(error)
    }
  }

  this.overflow = this[kLast].length > this.maxLength
  if (this.overflow && !this.skipOverflow) {
    cb(new Error('maximum buffer reached'))
    return
  }

  cb()
}

function flush (cb) {
  // forward any gibberish left in there
  this[kLast] += this[kDecoder].end()

  if (this[kLast]) {
    try {
      push(this, this.mapper(this[kLast]))
    } catch (error) {
      return cb(error)
    }
  }

  cb()
}

function push (self, val) {
  if (val !== undefined) {
    self.push(val)
  }
}

function noop (incoming) {
  return incoming
}

function split (matcher, mapper, options) {
  // Set defaults for any arguments not supplied.
  matcher = matcher || /\r?\n/
  mapper = mapper || noop
  options = options || {}

  // Test arguments explicitly.
  switch (arguments.length) {
    case 1:
      // If mapper is only argument.
      if (typeof matcher === 'function') {
        mapper = matcher
        matcher = /\r?\n/
      // If options is only argument.
      } else if (typeof matcher === 'object' && !(matcher instanceof RegExp) && !matcher[Symbol.split]) {
        options = matcher
        matcher = /\r?\n/
      }
      break

    case 2:
      // If mapper and options are arguments.
      if (typeof matcher === 'function') {
        options = mapper
        mapper = matcher
        matcher = /\r?\n/
      // If matcher and options are arguments.
      } else if (typeof mapper === 'object') {
        options = mapper
        mapper = noop
      }
  }

  options = Object.assign({}, options)
  options.autoDestroy = true
  options.transform = transform
  options.flush = flush
  options.readableObjectMode = true

  const stream = new Transform(options)

  stream[kLast] = ''
  stream[kDecoder] = new StringDecoder('utf8')
  stream.matcher = matcher
  stream.mapper = mapper
  stream.maxLength = options.maxLength
  stream.skipOverflow = options.skipOverflow || false
  stream.overflow = false
  stream._destroy = function (err, cb) {
    // Weird Node v12 bug that we need to work around
    this._writableState.errorEmitted = false
    cb(err)
  }

  return stream
}

module.exports = split


/***/ }),

/***/ 223:
/***/ ((module) => {

module.exports = extend

var hasOwnProperty = Object.prototype.hasOwnProperty;

function extend(target) {
    for (var i = 1; i < arguments.length; i++) {
        var source = arguments[i]

        for (var key in source) {
            if (hasOwnProperty.call(source, key)) {
                target[key] = source[key]
            }
        }
    }

    return target
}


/***/ }),

/***/ 486:
/***/ ((module, __unused_webpack___webpack_exports__, __nccwpck_require__) => {

__nccwpck_require__.a(module, async (__webpack_handle_async_dependencies__, __webpack_async_result__) => { try {
/* harmony import */ var _runtime_shim_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(6282);
/* harmony import */ var _main_js__WEBPACK_IMPORTED_MODULE_1__ = __nccwpck_require__(1508);
/* harmony import */ var _engine_signals_js__WEBPACK_IMPORTED_MODULE_2__ = __nccwpck_require__(5751);



const cancel = (0,_engine_signals_js__WEBPACK_IMPORTED_MODULE_2__/* .cancelOnSignals */ .dJ)({
    onSignal: (name, first) => process.stderr.write(first ? `${name} received: stopping (no new migration starts; the one in flight is cancelled)\n` : `${name} received again: finishing\n`),
    lastResort: (name) => {
        process.stderr.write(`Error: cancelled by ${name}: the run did not end within ${_engine_signals_js__WEBPACK_IMPORTED_MODULE_2__/* .LAST_RESORT_MS */ .YN} ms; run \`db-migrate-action status\` to see what is applied\n`);
        process.exit((0,_engine_signals_js__WEBPACK_IMPORTED_MODULE_2__/* .signalExitCode */ .cf)(name));
    },
});
const code = await (0,_main_js__WEBPACK_IMPORTED_MODULE_1__/* .main */ .i)(process.argv.slice(2), process.env, {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    cwd: process.cwd(),
    signal: cancel.signal,
});
cancel.dispose();
// A cancelled run exits as a signalled process would: scripts and CI see it was stopped, not that it failed.
process.exitCode = cancel.signal.aborted && code !== 0 ? (0,_engine_signals_js__WEBPACK_IMPORTED_MODULE_2__/* .signalExitCode */ .cf)(String(cancel.signal.reason)) : code;
(0,_engine_signals_js__WEBPACK_IMPORTED_MODULE_2__/* .exitSoonIfLingering */ .Wr)(process.exitCode);

__webpack_async_result__();
} catch(e) { __webpack_async_result__(e); } }, 1);

/***/ }),

/***/ 1508:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  i: () => (/* binding */ main_main)
});

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __nccwpck_require__(3024);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __nccwpck_require__(6760);
var external_node_path_default = /*#__PURE__*/__nccwpck_require__.n(external_node_path_);
;// CONCATENATED MODULE: ./src/engine/errors.ts
/**
 * Base class of every error the engine raises on purpose.
 *
 * `message` is what the user sees (after `Error: `), kept byte-identical to dbmate's text where
 * dbmate has one; `code` is stable so callers and tests can branch on it without matching text.
 */
class errors_MigrationError extends Error {
    /** Stable machine-readable identifier, e.g. `PARSE_MISSING_UP`. */
    code;
    /** Suggested fix, shown separately so the message itself can stay dbmate-compatible. */
    hint;
    /** Display path of the migration file it is about, when there is one. */
    file;
    /**
     * @param code stable identifier, e.g. `MIGRATIONS_DIR_MISSING`
     * @param message user-facing text
     * @param opts optional hint and cause
     */
    constructor(code, message, opts = {}) {
        super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
        // Set explicitly: class names can be mangled by the bundler, and users see `name` in stack traces.
        this.name = 'MigrationError';
        this.code = code;
        if (opts.hint !== undefined)
            this.hint = opts.hint;
        if (opts.file !== undefined)
            this.file = opts.file;
    }
}
/** A migration file that cannot be parsed into exactly one up and one down section. */
class ParseError extends errors_MigrationError {
    /**
     * @param code stable identifier, e.g. `PARSE_MISSING_DOWN`
     * @param message user-facing text (callers prefix it with the file's display path)
     * @param opts optional file, hint and cause
     */
    constructor(code, message, opts = {}) {
        super(code, message, opts);
        this.name = 'ParseError';
    }
}

// EXTERNAL MODULE: ./node_modules/dotenv/lib/main.js
var main = __nccwpck_require__(8889);
;// CONCATENATED MODULE: ./src/cli/args/env-files.ts
/**
 * The env files dbmate loads before parsing (`--env-file`, default `.env`) and the environment they
 * give: process variables win over file values, as with godotenv, and the database URL is read
 * from that environment. Reading the files is the caller's; everything here is pure.
 */


/** An env file exists but cannot be read. dbmate exits 3 with `loading env file(s) [a b]: <error>`. */
class EnvFileError extends Error {
    /** dbmate's exit code for env-file failures. */
    exitCode = 3;
    /**
     * @param message full text without `Error: `
     * @param cause the read error
     */
    constructor(message, cause) {
        super(message, { cause });
        this.name = 'EnvFileError';
    }
}
/**
 * The `--env-file` values of a command line, for the pass that must run before `parseArgs`
 * (env files can set `DBMATE_*` variables that flag defaults depend on). Like dbmate it scans the
 * whole line; unlike dbmate 2.35 it also understands `--env-file=path`. Default `['.env']`.
 */
function envFilesFromArgv(argv) {
    const files = [];
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === '--')
            break;
        const m = /^--?env-file(?:=(.*))?$/s.exec(arg);
        if (!m)
            continue;
        if (m[1] !== undefined)
            files.push(m[1]);
        else if (i + 1 < argv.length)
            files.push(argv[++i]);
        // A trailing `--env-file` without value is left for parseArgs to report.
    }
    return files.length > 0 ? files : ['.env'];
}
/**
 * Read env files with `dotenv.parse` (never `dotenv.config`, which writes to `process.env` and logs).
 * Missing files are skipped. When several files set a variable the first file wins, because
 * godotenv never overrides a variable that is already set.
 *
 * @param paths env files in command-line order
 * @param readFile returns the file's text; may throw ENOENT (or return undefined) for a missing file
 * @throws EnvFileError when a file exists but cannot be read (dbmate exits 3)
 */
function loadEnvFiles(paths, readFile) {
    const out = {};
    for (const path of paths) {
        let text;
        try {
            text = readFile(path);
        }
        catch (err) {
            if (err?.code === 'ENOENT')
                continue;
            throw new EnvFileError(`loading env file(s) [${paths.join(' ')}]: ${err?.message ?? String(err)}`, err);
        }
        if (text === undefined)
            continue;
        for (const [key, value] of Object.entries((0,main.parse)(text))) {
            if (!(key in out))
                out[key] = value;
        }
    }
    return out;
}
/**
 * The environment dbmate would see after loading env files: variables already in the process
 * environment win (even when empty), env files only fill the gaps.
 */
function mergeEnv(processEnv, fileEnv) {
    const merged = { ...fileEnv };
    for (const [key, value] of Object.entries(processEnv))
        if (value !== undefined)
            merged[key] = value;
    return merged;
}
/**
 * The database URL to use: `--url` when given and not empty, else the variable named by `--env`
 * in `env`, the process environment merged with the env files ({@link mergeEnv}). Returns `''` when there is none;
 * `parseDatabaseUrl('')` then raises dbmate's `invalid url, have you set your --url flag…`.
 */
function resolveDatabaseUrl(opts, env) {
    if (opts.url)
        return opts.url;
    return env[opts.env] ?? '';
}
/** Words that name an environment (the action's `environment` input), not a variable. */
const ENVIRONMENT_WORDS = /^(?:dev|development|staging|stage|prod|production|test|testing|qa|preview|local)$/i;
/**
 * The error when neither `--url` nor the `--env` variable gives a URL: dbmate's message, naming
 * the variable actually asked for (dbmate always says DATABASE_URL). When the `--env` value reads
 * as an environment name (`--env production`), the hint says that `--env` takes a variable and
 * where the environment name goes instead.
 */
function missingUrlError(opts, env) {
    const name = opts.env;
    const message = `invalid url, have you set your --url flag or ${name} environment variable?`;
    const where = `${name} is ${env[name] === '' ? 'empty' : 'not set'} in the environment or the env file(s) ${opts.envFiles.join(', ')}`;
    if (name !== 'DATABASE_URL' && (ENVIRONMENT_WORDS.test(name) || /^[a-z][a-z0-9-]*$/.test(name))) {
        const filter = opts.command === 'history' || opts.command === 'report' ? `${opts.command} --environment ${name}` : `history --environment ${name}`;
        return new errors_MigrationError('URL_MISSING', message, {
            hint: `${where}; --env names the variable that holds the database URL, and "${name}" looks like an environment name: to show one environment's runs use \`db-migrate-action ${filter}\`, to reach its database pass --env ${name.toUpperCase().replace(/-/g, '_')}_DATABASE_URL or --url`,
        });
    }
    return new errors_MigrationError('URL_MISSING', message, { hint: `${where}: set it, or pass --url` });
}

;// CONCATENATED MODULE: ./src/cli/closed-output.ts
/**
 * A reader that goes away early (`db-migrate-action --json status | head -1`) closes our stdout. dbmate,
 * a Go program, is then killed by SIGPIPE at its next write, quietly: the shell reports 141
 * (128 + SIGPIPE). Node ignores SIGPIPE and reports the failed write as an `EPIPE` error event on
 * the stream, which with no listener is an uncaught exception and a stack trace. This module turns
 * it back into dbmate's behaviour: nothing printed, exit status {@link CLOSED_OUTPUT_EXIT_CODE}.
 */
/** The exit status a shell shows for dbmate killed by SIGPIPE (128 + 13); a Node process cannot die by that signal. */
const CLOSED_OUTPUT_EXIT_CODE = 141;
let state;
/**
 * Listen (once per process) for a closed stdout or stderr. Only `EPIPE` (and the
 * `ERR_STREAM_DESTROYED` of writes after it) is taken as "the reader left"; any other stream error
 * is thrown as before, so it is not hidden.
 */
function watchClosedOutput(streams = [process.stdout, process.stderr]) {
    if (state)
        return state;
    const s = { closed: false };
    for (const stream of streams) {
        stream.on('error', (e) => {
            if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED')
                throw e;
            s.closed = true;
        });
    }
    state = s;
    return s;
}

;// CONCATENATED MODULE: ./src/engine/duration.ts
/**
 * Format nanoseconds the way Go's time.Duration.String() does, because dbmate prints
 * `Applied: x.sql in 9.357206ms` and users grep for that shape.
 */
function formatGoDuration(ns) {
    if (ns === 0n)
        return '0s';
    const neg = ns < 0n;
    let n = neg ? -ns : ns;
    const sign = neg ? '-' : '';
    if (n < 1000n)
        return `${sign}${n}ns`;
    if (n < 1000000n)
        return sign + fraction(n, 1000n) + 'µs';
    if (n < 1000000000n)
        return sign + fraction(n, 1000000n) + 'ms';
    let out = '';
    const hours = n / 3600000000000n;
    n -= hours * 3600000000000n;
    const minutes = n / 60000000000n;
    n -= minutes * 60000000000n;
    if (hours > 0n)
        out += `${hours}h`;
    if (hours > 0n || minutes > 0n)
        out += `${minutes}m`;
    return sign + out + fraction(n, 1000000000n) + 's';
}
function fraction(n, unit) {
    const whole = n / unit;
    const rest = n % unit;
    if (rest === 0n)
        return whole.toString();
    const digits = unit.toString().length - 1;
    return `${whole}.${rest.toString().padStart(digits, '0').replace(/0+$/, '')}`;
}
/** Milliseconds (with fraction) between two `process.hrtime.bigint()` readings. */
function elapsedMs(startNs, endNs = process.hrtime.bigint()) {
    return Number(endNs - startNs) / 1e6;
}
const GO_UNITS_NS = {
    ns: 1,
    us: 1e3,
    'µs': 1e3, // U+00B5 micro sign
    'μs': 1e3, // U+03BC Greek mu
    ms: 1e6,
    s: 1e9,
    m: 60e9,
    h: 3600e9,
};
/**
 * Parse a Go `time.ParseDuration` string (`0`, `1m0s`, `1h2m3.5s`, `500ms`, `250us`, `-1.5h`)
 * into milliseconds, fractions kept (`250us` → 0.25).
 *
 * @throws Error with Go's message, e.g. `time: invalid duration "abc"`, `time: missing unit in duration "5"`
 */
function parseGoDuration(s) {
    const orig = s;
    const fail = (msg = `time: invalid duration "${orig}"`) => {
        throw new Error(msg);
    };
    let neg = false;
    if (s !== '' && (s[0] === '-' || s[0] === '+')) {
        neg = s[0] === '-';
        s = s.slice(1);
    }
    if (s === '0')
        return 0;
    if (s === '')
        fail();
    let totalNs = 0;
    while (s !== '') {
        const num = /^(\d*)(?:\.(\d*))?/.exec(s);
        const [whole, intPart, fracPart] = [num[0], num[1], num[2]];
        // Go needs digits on at least one side of the dot: "." and ".s" are invalid.
        if (intPart === '' && (fracPart === undefined || fracPart === ''))
            fail();
        s = s.slice(whole.length);
        const unit = /^[^\d.]*/.exec(s)[0];
        if (unit === '')
            fail(`time: missing unit in duration "${orig}"`);
        const scale = GO_UNITS_NS[unit];
        if (scale === undefined)
            fail(`time: unknown unit "${unit}" in duration "${orig}"`);
        s = s.slice(unit.length);
        totalNs += Number(intPart === '' ? '0' : intPart) * scale + (fracPart ? Number(`0.${fracPart}`) * scale : 0);
    }
    // Go's Duration is an int64 of nanoseconds.
    if (totalNs > 9_223_372_036_854_775_807)
        fail();
    const ms = totalNs / 1e6;
    return neg ? -ms : ms;
}

;// CONCATENATED MODULE: ./src/engine/identifiers.ts
/**
 * The one rule for the table names users configure (`migrations-table`/`--migrations-table`/
 * `DBMATE_MIGRATIONS_TABLE`, `history-table`/`--history-table`), shared by the action's inputs, the
 * CLI's flags and the engine, so a name is accepted or refused the same way everywhere.
 *
 * The names are spliced into SQL (quoted by the server's `quote_ident`, as dbmate does), so the rule
 * is strict where dbmate is not: letters (any script), digits, `_`, `$`, `-` and spaces inside the
 * name (dbmate quotes `Weird Name` and projects that use such a ledger must keep working); no quotes,
 * semicolons, other whitespace or control characters; at most 63 bytes of UTF-8 per part (PostgreSQL
 * silently truncates longer names, so two long names could end up as one table); the ledger may be
 * `schema.table` (one dot), the history table is a bare name because it always lives in the
 * ledger's schema.
 */

/** PostgreSQL's NAMEDATALEN - 1: longer identifiers are truncated by the server. */
const MAX_IDENTIFIER_BYTES = 63;
/** What `migrations-table` accepts, in the words every "expected …" message uses. */
const MIGRATIONS_TABLE_FORMAT = "a table name, optionally schema-qualified (schema.table), of letters, digits, '_', '$', '-' or inner spaces, at most 63 bytes per part, e.g. schema_migrations";
/** What `history-table` accepts. */
const HISTORY_TABLE_FORMAT = "a table name (it lives in the migrations table's schema) of letters, digits, '_', '$', '-' or inner spaces, at most 63 bytes, e.g. schema_migrations_history, or empty to disable the history table";
const BAD_CHAR_RE = /[^\p{L}\p{M}\p{Nd}_$ -]/u;
/**
 * Why `value` is not an acceptable `migrations-table` (`schema.table` allowed) or, with
 * `qualified: false`, `history-table` name; `undefined` when it is. The reason is a short clause
 * such as `';' is not allowed` for "expected … (reason)" messages.
 */
function tableNameProblem(value, opts) {
    if (value === '')
        return 'the name is empty';
    const parts = value.split('.');
    if (!opts.qualified && parts.length > 1)
        return '"." is not allowed: the history table is always in the migrations table\'s schema';
    if (parts.length > 2)
        return `it has ${parts.length - 1} dots, at most one is allowed: schema.table`;
    for (const [i, part] of parts.entries()) {
        const what = parts.length === 1 ? 'the name' : i === 0 ? 'the schema' : 'the table name';
        if (part === '')
            return `${what} is empty`;
        const bad = BAD_CHAR_RE.exec(part);
        if (bad)
            return `${describeChar(bad[0])} is not allowed`;
        if (part.startsWith(' ') || part.endsWith(' '))
            return `${what} starts or ends with a space`;
        const bytes = Buffer.byteLength(part, 'utf8');
        if (bytes > MAX_IDENTIFIER_BYTES)
            return `${what} is ${bytes} bytes long; PostgreSQL truncates names longer than ${MAX_IDENTIFIER_BYTES} bytes`;
    }
    return undefined;
}
/** A character for a message: printable ones in double quotes (`'"'` for that one), the others by code point. */
function describeChar(ch) {
    const cp = ch.codePointAt(0);
    const code = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
    if (/[\p{C}\p{Z}]/u.test(ch))
        return `the character ${code}`;
    return ch === '"' ? `'"'` : `"${ch}"`;
}
/** The table part of a `migrations-table` value (dbmate: everything after the first dot). */
function tablePart(migrationsTable) {
    const dot = migrationsTable.indexOf('.');
    return dot === -1 ? migrationsTable : migrationsTable.slice(dot + 1);
}
/**
 * Whether the history table would be the ledger itself. The history table always lives in the
 * ledger's schema and both names are quoted exactly, so comparing the table parts is the resolved
 * comparison: `history-table: schema_migrations` is the ledger whether or not the migrations
 * table names a schema.
 */
function historyIsLedger(migrationsTable, historyTable) {
    return historyTable !== '' && tablePart(migrationsTable) === historyTable;
}
/**
 * The engine's own check of configured names (for callers that skip the action's and the CLI's
 * validation, such as the library), naming the settings as the CLI and the action both call them.
 *
 * @throws {MigrationError} `TABLE_NAME_INVALID` for a name outside the rule, or a history table that is the ledger
 */
function assertTableNames(migrationsTable, historyTable) {
    const ledgerProblem = tableNameProblem(migrationsTable, { qualified: true });
    if (ledgerProblem) {
        throw new MigrationError('TABLE_NAME_INVALID', `invalid migrations table name '${migrationsTable}': ${ledgerProblem}`, {
            hint: `expected ${MIGRATIONS_TABLE_FORMAT} (migrations-table, --migrations-table, DBMATE_MIGRATIONS_TABLE)`,
        });
    }
    if (historyTable === '')
        return;
    const historyProblem = tableNameProblem(historyTable, { qualified: false });
    if (historyProblem) {
        throw new MigrationError('TABLE_NAME_INVALID', `invalid history table name '${historyTable}': ${historyProblem}`, {
            hint: `expected ${HISTORY_TABLE_FORMAT} (history-table, --history-table)`,
        });
    }
    if (historyIsLedger(migrationsTable, historyTable))
        throw sameTableError(migrationsTable, historyTable);
}
/** The words for a history table that would be the ledger. */
const SAME_TABLE_PROBLEM = 'the history table must not be the migrations table';
function sameTableError(migrationsTable, historyTable) {
    return new MigrationError('TABLE_NAME_INVALID', `history table '${historyTable}' is the migrations table '${migrationsTable}': ${SAME_TABLE_PROBLEM}`, { hint: 'give the history table its own name (default schema_migrations_history), or an empty value to disable it' });
}

;// CONCATENATED MODULE: ./src/text/units.ts
/**
 * Units for people, the same words in every summary, issue, notification and report:
 * durations, byte sizes and counted nouns.
 */
/** A duration: `0.25 ms`, `850 ms`, `1.2 s`, `3 min 4 s`, `2 h 5 min`, `3 d 4 h`; `—` for none. */
function units_duration(ms) {
    if (ms === null || !Number.isFinite(ms))
        return '—';
    if (ms < 1)
        return `${Number(ms.toFixed(2))} ms`;
    if (ms < 1000)
        return `${Math.round(ms)} ms`;
    if (ms < 60_000)
        return `${Number((ms / 1000).toFixed(1))} s`;
    const s = Math.round(ms / 1000);
    if (s < 3600)
        return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
    const m = Math.round(s / 60);
    if (m < 48 * 60)
        return `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ''}`;
    const h = Math.round(m / 60);
    return `${Math.floor(h / 24)} d${h % 24 ? ` ${h % 24} h` : ''}`;
}
/** A size in binary units: `812 B`, `1.5 KiB`, `3.2 MiB`. */
function bytes(n) {
    if (n < 1024)
        return `${n} B`;
    const units = ['KiB', 'MiB', 'GiB', 'TiB'];
    let v = n / 1024;
    let i = 0;
    while (v >= 1024 && i < units.length - 1) {
        v /= 1024;
        i++;
    }
    return `${v.toFixed(1)} ${units[i]}`;
}
/** `1 migration`, `3 migrations`; `plural` for nouns that do not just take an `s`. */
function count(n, noun, plural = `${noun}s`) {
    return `${n} ${n === 1 ? noun : plural}`;
}

;// CONCATENATED MODULE: ./src/lint/report.ts
/**
 * How lint results read in text: the CLI's output and the action's log and error say a finding
 * and the tally of a run the same way.
 */

/**
 * `db/migrations/1_a.sql:3:1: error rule-id: message (orders: ~12 M rows, 3.1 GB) [suppressed: why]`:
 * where, how bad, which rule, what; the size the severity was judged by and the suppression, when there are.
 */
function findingLine(f) {
    const size = f.size ? ` (${f.size})` : '';
    const suppressed = f.suppressed ? (f.suppressed.reason ? ` [suppressed: ${f.suppressed.reason}]` : ' [suppressed]') : '';
    return `${f.file}:${f.line}:${f.column}: ${f.severity} ${f.rule}: ${f.message}${size}${suppressed}`;
}
/** Count findings by severity; a suppressed finding counts only as suppressed. */
function tallyFindings(findings) {
    const t = { errors: 0, warnings: 0, info: 0, suppressed: 0 };
    for (const f of findings) {
        if (f.suppressed)
            t.suppressed++;
        else if (f.severity === 'error')
            t.errors++;
        else if (f.severity === 'warning')
            t.warnings++;
        else
            t.info++;
    }
    return t;
}
/** `1 error, 2 warnings in 3 files`, with `, 1 info` and `, 2 suppressed` when there are any. */
function findingCounts(findings, files) {
    const t = tallyFindings(findings);
    const extra = `${t.info ? `, ${t.info} info` : ''}${t.suppressed ? `, ${t.suppressed} suppressed` : ''}`;
    return `${count(t.errors, 'error')}, ${count(t.warnings, 'warning')}${extra} in ${count(files, 'file')}`;
}
/** {@link findingCounts}, or `no problems in 3 files` when there is no finding at all. */
function lintTally(findings, files) {
    return findings.length ? findingCounts(findings, files) : `no problems in ${count(files, 'file')}`;
}

;// CONCATENATED MODULE: ./src/lint/gate.ts
/**
 * Which lint findings stop a run, stated once for the action and the CLI: the gate of `up` judges
 * what the run executes (its up sections), while `command: lint`, the pull-request review and
 * `db-migrate-action lint` judge every section, down sections included (they run on a rollback).
 */


/** Values of `lint-fail-on` / `--lint-fail-on`: the lowest severity that fails a run (`none`: never). */
const LINT_FAIL_ON = ['error', 'warning', 'none'];
/** Values of `lint-runner` / `--lint-runner`: who runs the SQL (`other`: the lock-timeout rule applies). */
const LINT_RUNNERS = ['db-migrate', 'other'];
/** What `pg-version` / `--pg-version` expects, named in every error about it. */
const PG_VERSION_FORMAT = 'a PostgreSQL major version: 9.6 or 10 to 19 (e.g. 16), or empty for unknown (every version-dependent rule applies)';
/**
 * `pg-version` as the major lint compares with (`9.6` → 9, as the server's major is read; `16` or
 * `16.4` → 16); undefined for an invalid value (the caller reports it with {@link PG_VERSION_FORMAT}).
 */
function parsePgVersion(text) {
    const m = /^(?:(9)\.6|(1\d))(?:\.\d+)?$/.exec(text.trim());
    return m ? Number(m[1] ?? m[2]) : undefined;
}
/**
 * Whether one finding fails a run: never when suppressed (`-- db-migrate:disable rule -- why`), of
 * severity `info`, or under `lint-fail-on: none`; a down-section finding (but an empty down
 * section), or one of a review-only rule, never fails the `up` gate ({@link upGateExemption}).
 * A finding without a section (e.g. a file that does not parse) counts as up: it stops `up` too.
 */
function failsGate(f, failOn, gate) {
    if (failOn === 'none' || f.suppressed || f.severity === 'info')
        return false;
    if (upGateExemption(f, gate) !== undefined)
        return false;
    return failOn === 'warning' || f.severity === 'error';
}
/**
 * Rules the review stops and `up` does not: a secret committed in a migration is leaked by the
 * commit, not by running it, so refusing to deploy (a fresh staging database of an old history)
 * protects nothing; `command: lint` and the pull-request review fail on it.
 */
const REVIEW_ONLY_RULES = new Set(['secret-in-migration']);
/**
 * Down-section rules that still gate `up`: an empty down section is not SQL a rollback would run
 * but the absence of one, so it is this run's own automatic rollback that could not undo it.
 */
const GATES_UP_FROM_DOWN = new Set(['missing-down']);
/** Why the `up` gate lets a finding through whatever its severity (a down section, a review-only rule), or undefined. */
function upGateExemption(f, gate) {
    if (gate !== 'up')
        return undefined;
    if (f.direction === 'down' && !GATES_UP_FROM_DOWN.has(f.rule))
        return 'down section: does not gate up';
    if (REVIEW_ONLY_RULES.has(f.rule))
        return 'a review finding: running it leaks nothing more, so it does not gate up';
    return undefined;
}
/** Judge the findings by the gate. */
function judgeGate(findings, failOn, gate) {
    const failing = findings.filter((f) => failsGate(f, failOn, gate)).length;
    const downOnly = gate === 'up' ? findings.filter((f) => upGateExemption(f, gate) !== undefined && f.direction === 'down' && failsGate(f, failOn, 'all')).length : 0;
    return { failing, downOnly };
}
/**
 * The `LINT_FAILED` message, the same in the action and the CLI: `migration lint failed, so
 * nothing was applied: 2 findings at or above lint-fail-on: error (…)`.
 */
function lintFailedMessage(failing, failOn, findings, files, before = '') {
    return `migration lint failed${before}: ${count(failing, 'finding')} at or above lint-fail-on: ${failOn} (${findingCounts(findings, files)})`;
}
/**
 * A finding as the action's log and the CLI's warnings print it: {@link findingLine} (which
 * already shows the size it was judged by and a suppression's reason), then why the `up` gate
 * lets it through, e.g. `… (down section: does not gate up)`.
 */
function gateLine(f, gate) {
    const exempt = upGateExemption(f, gate);
    return `${findingLine(f)}${exempt ? ` (${exempt})` : ''}`;
}

;// CONCATENATED MODULE: ./src/lint/sizes.ts

// The catalog query is the engine's (the engine imports nothing of lint, and `Migrator.tableFacts` runs it).

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
const TiB = 1024 * GiB;
/**
 * Where a table starts to be large: 100 k rows or 10 MiB (`pg_total_relation_size`), whichever
 * comes first. Chosen so that the slowest statement the size-sensitive rules warn about stays
 * under about half a second below it, while it holds a lock that stops every write (or, for a
 * rewrite, every read).
 *
 * Measured on embedded PostgreSQL 18 here (2 vCPU, warm cache, fsync off: a best case), on a table
 * `(id bigint primary key, a int, s text, ts timestamptz)` (s: 33 characters) with its three indexes:
 *
 * | rows  | total size | CREATE INDEX (int) | CREATE INDEX (text) | ALTER TYPE int→bigint (rewrite) | SET NOT NULL scan |
 * |-------|-----------:|-------:|-------:|--------:|-------:|
 * | 10 k  | 1.1 MB     | 11 ms  | 10 ms  | 26 ms   | 2 ms   |
 * | 100 k | 10.7 MB    | 32 ms  | 95 ms  | 207 ms  | 8 ms   |
 * | 300 k | 32.1 MB    | 98 ms  | 308 ms | 763 ms  | 20 ms  |
 * | 1 M   | 107 MB     | 357 ms | 1.5 s  | 4.0 s   | 130 ms |
 * | 3 M   | 321 MB     | 1.6 s  | 4.6 s  | 9.7 s   | 491 ms |
 *
 * A rewrite crosses 0.5 s at about 200 k rows / 20 MB in this best case; production (cold cache,
 * fsync and WAL shipped to replicas, wider rows, more indexes) is commonly 2-5 times slower, so
 * 100 k rows. The byte threshold catches wide rows (JSON documents, TOAST), where the work follows
 * the bytes, not the row count: a rewrite moved about 25 MB/s including its index rebuilds, so
 * 10 MiB. Both err towards "large": calling a small table large keeps a finding at its rule's
 * severity (the safe way), calling a large table small would let a long lock through the gate.
 * The tables these thresholds let through as small are lookup and configuration tables, which
 * are kilobytes.
 */
const DEFAULT_LARGE_TABLE = Object.freeze({ rows: 100_000, bytes: 10 * MiB });
/** The value forms of `lint-large-table`, for error messages and docs. */
const LARGE_TABLE_FORMS = 'a row count (100k, 2.5M, 100000), a size (500MB, 1GB) or both separated by a comma (100k,1GB)';
const ROW_SUFFIX = { '': 1, k: 1e3, m: 1e6, g: 1e9 };
const BYTE_UNIT = { b: 1, kb: KiB, kib: KiB, mb: MiB, mib: MiB, gb: GiB, gib: GiB, tb: TiB, tib: TiB };
/**
 * Parse a `lint-large-table` value: a row count (`100k`, `2.5M`, `100000`, `1M rows`; suffixes
 * k = 1 000, M = 1 000 000, G = 10⁹), a size (`500MB`, `1GB`, `10 MiB`; binary units as in
 * PostgreSQL's settings: 1 GB = 1024 MB) or one of each separated by a comma (`100k,1GB`). With one
 * threshold given, the other is off (a row count alone judges by rows only). `0` makes every table
 * large. Returns the thresholds, or an error message (naming the value and the expected forms) for
 * the caller to prefix with the input's name.
 */
function parseLargeTable(text) {
    const bad = (why = '') => `"${text}" is not ${LARGE_TABLE_FORMS}${why}`;
    const parts = text.split(',').map((p) => p.trim());
    if (parts.length > 2 || parts.some((p) => p === ''))
        return bad();
    let rows;
    let size;
    for (const part of parts) {
        const rowsWord = /\s*rows?$/i.exec(part);
        const m = /^(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)$/i.exec((rowsWord ? part.slice(0, rowsWord.index) : part).replace(/_/g, ''));
        if (!m)
            return bad();
        const value = Number(m[1]);
        const unit = m[2].toLowerCase();
        if (Object.hasOwn(BYTE_UNIT, unit)) {
            if (rowsWord)
                return bad();
            if (size !== undefined)
                return bad(': two sizes');
            size = Math.round(value * BYTE_UNIT[unit]);
        }
        else if (Object.hasOwn(ROW_SUFFIX, unit)) {
            if (rows !== undefined)
                return bad(': two row counts');
            rows = Math.round(value * ROW_SUFFIX[unit]);
        }
        else {
            return bad();
        }
    }
    return { rows: rows ?? Number.POSITIVE_INFINITY, bytes: size ?? Number.POSITIVE_INFINITY };
}
/** `~40 rows`, `~2.5 k rows`, `~12 M rows`, `~1.2 G rows`. */
function formatRows(n) {
    const r = Math.max(0, Math.round(n));
    if (r < 1000)
        return `~${r} ${r === 1 ? 'row' : 'rows'}`;
    const [div, suffix] = r < 999_500 ? [1e3, 'k'] : r < 999_500_000 ? [1e6, 'M'] : [1e9, 'G'];
    const v = r / div;
    return `~${v < 9.95 ? Number(v.toFixed(1)) : Math.round(v)} ${suffix} rows`;
}
/**
 * What a finding was judged by: `orders: ~12 M rows, 3.1 GiB` (bytes as every summary writes
 * them, `text/units.ts`); `(estimated from size)` after the rows when the table was never analysed.
 */
function formatSize(table, s) {
    return `${table}: ${formatRows(s.rows)}${s.estimated ? ' (estimated from size)' : ''}, ${bytes(s.bytes)}`;
}
/** Whether a table of size `s` is large by `large` (at or above either threshold). */
function isLarge(s, large) {
    return s.rows >= large.rows || s.bytes >= large.bytes;
}
/**
 * Judge each finding about an existing table (`Finding.table`) by that table's size: small → the
 * severity becomes `info` (it never fails a run) and `size` says why; large → the severity stays and
 * `size` is set; unknown (offline, or the table was not found) → unchanged, as if large. Findings
 * without `table` are returned as they are. Pure: the findings given are not changed.
 */
function judgeBySize(findings, sizes, large) {
    return findings.map((f) => {
        const s = f.table === undefined ? undefined : sizes.get(f.table);
        if (!s)
            return f;
        return { ...f, severity: isLarge(s, large) ? f.severity : 'info', size: formatSize(f.table, s) };
    });
}

;// CONCATENATED MODULE: ./src/metrics/since.ts

/** What `--since` / `report-since` accept, for error messages. */
const SINCE_FORMAT = 'a window such as 30d, 2w, 12h or 90m, a date such as 2026-01-31 (UTC), or "all"';
const UNIT_MS = { w: 7 * 86_400_000, d: 86_400_000 };
/**
 * Start of a report window: `30d`/`2w` (days and weeks, which Go durations lack), any Go duration
 * (`12h`, `90m`), an ISO date or timestamp, or `all` (null: no lower bound).
 *
 * @throws Error naming the accepted forms when the value is none of them
 */
function parseSince(value, now = new Date()) {
    const v = value.trim();
    if (v === 'all')
        return null;
    const m = /^(\d+)([dw])$/.exec(v);
    if (m)
        return new Date(now.getTime() - Number(m[1]) * UNIT_MS[m[2]]);
    if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(v)) {
        // A bare date is midnight UTC, so the window does not depend on the runner's time zone.
        const d = new Date(v.length === 10 ? `${v}T00:00:00Z` : v);
        if (!Number.isNaN(d.getTime()))
            return d;
    }
    if (v !== '' && !/^\d+$/.test(v)) {
        try {
            const ms = parseGoDuration(v);
            if (ms > 0)
                return new Date(now.getTime() - ms);
        }
        catch {
            // fall through to the error below
        }
    }
    throw new Error(`invalid window "${value}": expected ${SINCE_FORMAT}`);
}

;// CONCATENATED MODULE: ./src/cli/args/flags.ts
/**
 * What `db-migrate-action` accepts: the global flags, the commands and each command's flags, with
 * dbmate 2.36's names, aliases, `DBMATE_*` variables and defaults. Parsing and help both read
 * these tables, so a flag is declared once.
 */
/** What a duration flag expects, named in every error about one. */
const DURATION_FORMAT = 'a non-negative duration such as 500ms, 30s or 1m0s';
/** `--help`/`-h`, accepted in every scope. */
const HELP_FLAG = { name: 'help', aliases: ['h'], kind: 'bool', usage: 'show help' };
/** The flags before the command: dbmate's global flags in dbmate's order, then ours. */
const GLOBAL_FLAGS = [
    { name: 'url', aliases: ['u'], kind: 'string', usage: 'specify the database URL' },
    { name: 'driver', kind: 'string', env: 'DBMATE_DRIVER', usage: 'specify the driver to use (instead of deriving from the database URL scheme)' },
    { name: 'env', aliases: ['e'], kind: 'string', default: 'DATABASE_URL', usage: 'specify an environment variable containing the database URL' },
    { name: 'env-file', kind: 'slice', default: '.env', usage: 'specify a file to load environment variables from' },
    {
        name: 'migrations-dir',
        aliases: ['d'],
        kind: 'slice',
        env: 'DBMATE_MIGRATIONS_DIR',
        default: './db/migrations',
        usage: 'specify the directory containing migration files',
    },
    {
        name: 'migrations-table',
        kind: 'string',
        env: 'DBMATE_MIGRATIONS_TABLE',
        default: 'schema_migrations',
        usage: 'specify the database table to record migrations in',
    },
    { name: 'schema-file', aliases: ['s'], kind: 'string', env: 'DBMATE_SCHEMA_FILE', default: './db/schema.sql', usage: 'specify the schema file location' },
    { name: 'no-dump-schema', kind: 'bool', env: 'DBMATE_NO_DUMP_SCHEMA', usage: "don't update the schema file on migrate/rollback" },
    { name: 'wait', kind: 'bool', env: 'DBMATE_WAIT', usage: 'wait for the db to become available before executing the subsequent command' },
    { name: 'wait-timeout', kind: 'duration', env: 'DBMATE_WAIT_TIMEOUT', default: '1m0s', usage: 'timeout for --wait flag' },
    {
        name: 'wait-interval',
        kind: 'duration',
        env: 'DBMATE_WAIT_INTERVAL',
        default: '1s',
        usage: 'time to wait between connection attempts for --wait flag',
    },
    {
        name: 'history-table',
        kind: 'string',
        default: 'schema_migrations_history',
        usage: 'specify the table recording every run (empty disables it)',
    },
    {
        name: 'lock-timeout',
        kind: 'duration',
        default: '400ms',
        usage: "longest lock_timeout of any lock attempt; attempts start at 50ms and double up to it (0 = none: wait as long as it takes; at the default a shorter lock_timeout of the role or database is kept)",
    },
    { name: 'statement-timeout', kind: 'duration', usage: "statement_timeout for each migration (0 = none; default: the role's or database's own, nothing is set)" },
    { name: 'lock-retries', kind: 'count', default: '30', usage: 'retries of a migration that hit its lock_timeout, within --lock-retry-budget' },
    { name: 'lock-retry-budget', kind: 'duration', default: '30s', usage: 'wall time the lock attempts and pauses of one migration may take (0 = no limit)' },
    { name: 'lock-wait-timeout', kind: 'duration', default: '60s', usage: 'how long to wait for a concurrent run to finish' },
    {
        name: 'connect-timeout',
        kind: 'duration',
        default: '10s',
        usage: "how long opening a connection may take (0 = no limit; the URL's connect_timeout replaces the default, this flag wins over it)",
    },
    {
        name: 'liveness-timeout',
        kind: 'duration',
        default: '20s',
        usage: 'how long the database may stop answering during a run before the connection counts as dead (0 disables)',
    },
    { name: 'json', kind: 'bool', usage: 'print machine-readable JSON' },
    HELP_FLAG,
    { name: 'version', aliases: ['v'], kind: 'bool', usage: 'print the version' },
];
const STRICT = { name: 'strict', kind: 'bool', env: 'DBMATE_STRICT', usage: 'fail if migrations would be applied out of order' };
const VERBOSE = {
    name: 'verbose',
    aliases: ['v'],
    kind: 'bool',
    env: 'DBMATE_VERBOSE',
    usage: 'print the result of each statement execution',
};
const DRY_RUN = { name: 'dry-run', kind: 'bool', usage: 'show what would run, change nothing' };
const STEPS_UP = { name: 'steps', kind: 'positive', usage: 'apply at most N migrations (default: all)' };
const STEPS_DOWN = { name: 'steps', kind: 'positive', default: '1', usage: 'roll back N migrations' };
const LINT_FAIL_ON_FLAG = {
    name: 'lint-fail-on',
    kind: 'string',
    default: 'none',
    usage: 'lint the migrations to apply and stop with nothing applied when a finding in their up sections is at or above: error, warning or none (findings are printed as warnings)',
};
const LINT_LARGE_TABLE_FLAG = {
    name: 'lint-large-table',
    kind: 'string',
    usage: 'when an existing table is large for lint: rows, size or both, e.g. 100k, 1M rows, 1GB, 100k,1GB (default 100k rows or 10MB); smaller tables make a finding info',
};
// No `--env` alias: the global --env names the URL variable, and one spelling has one meaning.
const ENVIRONMENT_FILTER = {
    name: 'environment',
    kind: 'string',
    usage: 'only runs recorded for this environment name (development, staging, production, …)',
};
const LOCAL_JSON = { name: 'json', kind: 'bool', usage: 'print machine-readable JSON' };
/** Every command, in the order the help lists them (dbmate's first, then ours). */
const COMMANDS = [
    { name: 'new', aliases: ['n'], usage: 'Generate a new migration file', argsUsage: 'NAME', flags: [] },
    {
        name: 'up',
        aliases: [],
        usage: 'Create database (if necessary) and migrate to the latest version',
        flags: [STRICT, VERBOSE, DRY_RUN, STEPS_UP, LINT_FAIL_ON_FLAG, LINT_LARGE_TABLE_FLAG],
    },
    { name: 'create', aliases: [], usage: 'Create database', flags: [] },
    { name: 'drop', aliases: [], usage: 'Drop database (if it exists)', flags: [] },
    { name: 'migrate', aliases: [], usage: 'Migrate to the latest version', flags: [STRICT, VERBOSE, DRY_RUN, STEPS_UP, LINT_FAIL_ON_FLAG, LINT_LARGE_TABLE_FLAG] },
    { name: 'rollback', aliases: ['down'], usage: 'Rollback the most recent migration', flags: [VERBOSE, DRY_RUN, STEPS_DOWN] },
    {
        name: 'status',
        aliases: [],
        usage: 'List applied and pending migrations',
        flags: [
            { name: 'exit-code', kind: 'bool', usage: 'return 1 if there are pending migrations' },
            { name: 'quiet', kind: 'bool', usage: "don't output any text (implies --exit-code)" },
        ],
    },
    {
        name: 'dump',
        aliases: [],
        usage: 'Write the database schema to disk.\nSupports passing extra arguments to the underlying dump tool for pg\nexample: db-migrate-action dump -- --extra-flag',
        argsUsage: '[-- PG_DUMP_ARGS...]',
        flags: [],
    },
    { name: 'load', aliases: [], usage: 'Load schema file to the database', flags: [] },
    { name: 'wait', aliases: [], usage: 'Wait for the database to become available', flags: [] },
    {
        name: 'plan',
        aliases: [],
        usage: 'Show pending migrations and what they would run (changes nothing)',
        flags: [STRICT, STEPS_UP, { ...LINT_FAIL_ON_FLAG, usage: 'exit 2 when a finding in the up sections to apply is at or above: error, warning or none (findings are printed as warnings)' }, LINT_LARGE_TABLE_FLAG],
    },
    {
        name: 'lint',
        aliases: [],
        usage: 'Check migration files for risky statements and parse errors',
        argsUsage: '[FILES...]',
        flags: [
            { ...LOCAL_JSON, usage: 'print the findings as a JSON array' },
            { name: 'disable', kind: 'slice', usage: 'rule ids to disable (comma-separated, repeatable)' },
            { name: 'pg-version', kind: 'string', usage: 'PostgreSQL major the SQL will run on, for version-dependent rules: 9.6 or 10 to 19 (default: unknown, every such rule applies)' },
            { name: 'lint-runner', kind: 'string', default: 'db-migrate', usage: 'who runs the SQL: db-migrate, or other (dbmate, psql: the lock-timeout rule applies)' },
            { ...LINT_LARGE_TABLE_FLAG, usage: 'as for up; lint reads no database, so every existing table counts as large' },
        ],
    },
    { name: 'verify', aliases: [], usage: 'Apply, roll back and re-apply every migration on a scratch database to prove their down blocks', flags: [] },
    {
        name: 'history',
        aliases: [],
        usage: 'Show the audit trail of migration runs, newest first',
        flags: [ENVIRONMENT_FILTER, { name: 'limit', kind: 'positive', default: '50', usage: 'show at most N rows' }, LOCAL_JSON],
    },
    {
        name: 'report',
        aliases: [],
        usage: 'Report per environment: success rate, durations, rollbacks, time to recovery, reversibility',
        flags: [
            ENVIRONMENT_FILTER,
            { name: 'since', kind: 'string', default: '30d', usage: 'window: 30d, 2w, 12h, a date (2026-01-31) or all' },
            LOCAL_JSON,
            { name: 'markdown', kind: 'bool', usage: 'print GitHub markdown' },
            { name: 'html', kind: 'string', usage: 'also write a self-contained HTML report with charts to this file' },
        ],
    },
    {
        name: 'baseline',
        aliases: [],
        usage: 'Record the migrations up to VERSION as applied without running them (adopting an existing database).\n' +
            'Refused when an object they create is missing from the database; versions already applied are left as they are',
        argsUsage: 'VERSION',
        flags: [DRY_RUN, LOCAL_JSON],
    },
];
/** The command a word selects, by name or alias; undefined for an unknown word. */
function findCommand(word) {
    return COMMANDS.find((c) => c.name === word || c.aliases.includes(word));
}

;// CONCATENATED MODULE: ./src/cli/args/help.ts
// Help text, laid out like urfave/cli v2's templates, so `db-migrate-action --help` reads as dbmate's.

function flagTitle(f) {
    const takesValue = f.kind !== 'bool';
    const one = (n) => `${n.length === 1 ? '-' : '--'}${n}${takesValue ? ' value' : ''}`;
    const names = [f.name, ...(f.aliases ?? [])].map(one).join(', ');
    return f.kind === 'slice' ? `${names} [ ${names} ]` : names;
}
function flagDescription(f) {
    let text = f.usage;
    if (f.kind === 'bool' && f.name !== 'help' && f.name !== 'version')
        text += ' (default: false)';
    else if (f.default !== undefined)
        text += f.kind === 'string' || f.kind === 'slice' ? ` (default: "${f.default}")` : ` (default: ${f.default})`;
    if (f.env !== undefined)
        text += ` [$${f.env}]`;
    return text;
}
function table(rows) {
    const width = Math.max(...rows.map(([a]) => a.length)) + 2;
    return rows
        .map(([a, b]) => {
        const [first, ...more] = b.split('\n');
        return [`   ${a.padEnd(width)}${first}`, ...more.map((l) => `   ${''.padEnd(width)}${l}`)].join('\n');
    })
        .join('\n');
}
/** The app help (`db-migrate-action --help`, or no command): usage, version, the commands and the global options. */
function renderAppHelp(prog, version) {
    const commands = COMMANDS.map((c) => [[c.name, ...c.aliases].join(', '), c.usage]);
    commands.push(['help, h', 'Shows a list of commands or help for one command']);
    return [
        'NAME:',
        `   ${prog} - Safe, dbmate-compatible PostgreSQL migrations.`,
        '',
        'USAGE:',
        `   ${prog} [global options] command [command options]`,
        '',
        'VERSION:',
        `   ${version}`,
        '',
        'COMMANDS:',
        table(commands),
        '',
        'GLOBAL OPTIONS:',
        table(GLOBAL_FLAGS.map((f) => [flagTitle(f), flagDescription(f)])),
        '',
    ].join('\n');
}
/** One command's help (`db-migrate-action up --help`, `db-migrate-action help up`): name, usage and its options. */
function renderCommandHelp(prog, spec) {
    const [first, ...more] = spec.usage.split('\n');
    const nameLine = `${prog} ${spec.name}`;
    const indent = ' '.repeat(nameLine.length + 3);
    return [
        'NAME:',
        [`   ${nameLine} - ${first}`, ...more.map((l) => `   ${indent}${l}`)].join('\n'),
        '',
        'USAGE:',
        `   ${prog} ${spec.name} [command options]${spec.argsUsage ? ` ${spec.argsUsage}` : ''}`,
        '',
        'OPTIONS:',
        table([...spec.flags, HELP_FLAG].map((f) => [flagTitle(f), flagDescription(f)])),
        '',
    ].join('\n');
}

;// CONCATENATED MODULE: ./src/cli/args/usage-error.ts
/**
 * A command line urfave/cli would reject. The message is urfave's wording (e.g.
 * `flag provided but not defined: -strict`); print it with {@link formatUsageError}.
 */
class CliUsageError extends Error {
    /** 2 for bad flags (dbmate prints help and `Error: …`), 3 for an unknown command (urfave's `No help topic`). */
    exitCode;
    /** Help of the scope that failed, printed on stdout after `Incorrect Usage: <message>`; absent for exit 3. */
    helpText;
    /** Our addition, printed after the error: what to change. */
    hint;
    /**
     * @param message urfave-style text without `Error: `
     * @param opts exit code (default 2), help text of the failing scope, hint
     */
    constructor(message, opts = {}) {
        super(message);
        this.name = 'CliUsageError';
        this.exitCode = opts.exitCode ?? 2;
        if (opts.helpText !== undefined)
            this.helpText = opts.helpText;
        if (opts.hint !== undefined)
            this.hint = opts.hint;
    }
}
/**
 * How to print a {@link CliUsageError} the way dbmate does: exit 2 errors put `Incorrect Usage:`
 * and the help on stdout and `Error: <message>` on stderr; exit 3 prints the bare message on stderr.
 */
function formatUsageError(err) {
    const hint = err.hint !== undefined ? `hint: ${err.hint}\n` : '';
    if (err.exitCode === 3)
        return { stdout: '', stderr: `${err.message}\n${hint}`, exitCode: 3 };
    const stdout = err.helpText !== undefined ? `Incorrect Usage: ${err.message}\n\n${err.helpText}` : '';
    return { stdout, stderr: `Error: ${err.message}\n${hint}`, exitCode: 2 };
}

;// CONCATENATED MODULE: ./src/cli/args/parse.ts
/**
 * Command-line parsing for `db-migrate-action`, following dbmate 2.36 (urfave/cli v2 on Go's `flag`
 * package) so scripts written for dbmate keep working:
 *
 * - global flags come before the command, command flags after it; a flag in the wrong place is
 *   `flag provided but not defined: -x` (so `db-migrate-action --strict up` fails, as in dbmate);
 * - `-x`, `--x`, `-x=v`, `--x=v` and `--x v` are all accepted; bool flags take no separate value;
 * - flag parsing stops at the first positional argument or at `--` (`dump -- --extra-pg-dump-arg`);
 * - `DBMATE_*` variables apply when the flag is absent; flag > environment > default.
 *
 * Everything here is pure: the caller reads env files and `process.env` and passes them in.
 */








/**
 * Parse `db-migrate-action` arguments (without `node` and the script path).
 *
 * @param argv user arguments, e.g. `process.argv.slice(2)`
 * @param env the merged environment (`mergeEnv` of `process.env` and `loadEnvFiles`),
 *   so `.env` files can set `DBMATE_*` variables as they can for dbmate
 * @param info version and program name for `--version`/`--help`
 * @returns frozen {@link CliOptions}, or `{help}`/`{version}` text to print to stdout with exit 0
 * @throws CliUsageError for anything urfave/cli would reject, and for values that do not validate
 */
function parseArgs(argv, env, info = {}) {
    const prog = info.name ?? 'db-migrate-action';
    const version = info.version ?? '0.0.0-dev';
    const appHelp = () => renderAppHelp(prog, version);
    const global = parseScope(argv, GLOBAL_FLAGS, env, appHelp, 'global');
    if (global.flagBool('help'))
        return Object.freeze({ help: appHelp() });
    if (global.flagBool('version'))
        return Object.freeze({ version: `${prog} version ${version}` });
    const [commandWord, ...afterCommand] = global.rest;
    // urfave/cli's default action is `help`: no command prints the app help and succeeds.
    if (commandWord === undefined)
        return Object.freeze({ help: appHelp() });
    if (commandWord === 'help' || commandWord === 'h') {
        const topic = afterCommand[0];
        if (topic === undefined)
            return Object.freeze({ help: appHelp() });
        const spec = findCommand(topic);
        if (!spec)
            throw unknownCommand(topic);
        return Object.freeze({ help: renderCommandHelp(prog, spec) });
    }
    const spec = findCommand(commandWord);
    if (!spec)
        throw unknownCommand(commandWord);
    const cmdHelp = () => renderCommandHelp(prog, spec);
    const local = parseScope(afterCommand, [...spec.flags, HELP_FLAG], env, cmdHelp, spec.name);
    if (local.flagBool('help'))
        return Object.freeze({ help: cmdHelp() });
    const has = (name) => spec.flags.some((f) => f.name === name);
    const exitCodeFlag = has('exit-code') && local.value('exit-code');
    const quiet = has('quiet') && local.value('quiet');
    const steps = has('steps') ? local.value('steps') : undefined;
    const url = global.value('url');
    const driver = global.value('driver');
    const historyTable = global.value('history-table');
    const waitTimeoutMs = global.value('wait-timeout');
    const waitIntervalMs = global.value('wait-interval');
    const statementTimeoutMs = global.value('statement-timeout');
    const options = {
        command: spec.name,
        args: Object.freeze([...local.rest]),
        ...(spec.name === 'new' && local.rest[0] !== undefined && local.rest[0] !== '' ? { name: local.rest[0] } : {}),
        ...(url ? { url } : {}),
        env: global.value('env'),
        envFiles: Object.freeze(global.value('env-file')),
        ...(driver ? { driver } : {}),
        migrationsDirs: Object.freeze(global.value('migrations-dir')),
        migrationsTable: global.value('migrations-table'),
        schemaFile: global.value('schema-file'),
        noDumpSchema: global.value('no-dump-schema'),
        wait: global.value('wait'),
        // dbmate's configureDB keeps its default when the timeout is 0; an interval of 0 would spin.
        waitTimeoutMs: waitTimeoutMs === 0 ? 60_000 : waitTimeoutMs,
        waitIntervalMs: waitIntervalMs === 0 ? 1_000 : waitIntervalMs,
        historyTable: historyTable === '' ? null : historyTable,
        lockTimeoutMs: global.value('lock-timeout'),
        lockTimeoutExplicit: global.isGiven('lock-timeout'),
        ...(statementTimeoutMs !== undefined ? { statementTimeoutMs } : {}),
        lockRetries: global.value('lock-retries'),
        lockRetryBudgetMs: global.value('lock-retry-budget'),
        lockWaitTimeoutMs: global.value('lock-wait-timeout'),
        connectTimeoutMs: global.value('connect-timeout'),
        connectTimeoutExplicit: global.isGiven('connect-timeout'),
        livenessTimeoutMs: global.value('liveness-timeout'),
        json: global.value('json') || (has('json') && local.value('json')),
        strict: has('strict') && local.value('strict'),
        verbose: has('verbose') && local.value('verbose'),
        dryRun: has('dry-run') && local.value('dry-run'),
        ...(steps !== undefined ? { steps } : {}),
        exitCode: exitCodeFlag || quiet,
        quiet,
        ...(has('disable') ? { disabledRules: Object.freeze(local.value('disable') ?? []) } : {}),
        ...(has('environment') && local.value('environment') ? { environment: local.value('environment') } : {}),
        ...(has('limit') ? { limit: local.value('limit') } : {}),
        ...(has('since') ? { since: local.value('since') } : {}),
        ...(has('markdown') ? { markdown: local.value('markdown') } : {}),
        ...(has('html') && local.value('html') ? { htmlFile: local.value('html') } : {}),
    };
    checkTableNames(options, global, env, appHelp);
    const lint = lintOptions(local, has, cmdHelp);
    if (options.since !== undefined) {
        try {
            parseSince(options.since);
        }
        catch {
            throw new CliUsageError(`invalid value "${options.since}" for flag -since: expected ${SINCE_FORMAT}`, { helpText: cmdHelp() });
        }
    }
    if (options.json && options.markdown) {
        throw new CliUsageError('choose one of --json and --markdown', { helpText: cmdHelp(), hint: '--html FILE can be combined with either' });
    }
    return Object.freeze({ ...options, ...lint });
}
/** `--lint-fail-on`, `--lint-large-table`, `--pg-version`, `--lint-runner`, validated (values as the action's inputs take them). */
function lintOptions(local, has, help) {
    const bad = (flag, value, expected) => new CliUsageError(`invalid value "${value}" for flag -${flag}: expected ${expected}`, { helpText: help() });
    const out = {};
    if (has('lint-fail-on')) {
        const v = local.value('lint-fail-on');
        if (!LINT_FAIL_ON.includes(v))
            throw bad('lint-fail-on', v, `one of ${LINT_FAIL_ON.join(', ')}`);
        out.lintFailOn = v;
    }
    const large = has('lint-large-table') ? local.value('lint-large-table') : undefined;
    if (large !== undefined && large !== '') {
        const parsed = parseLargeTable(large);
        if (typeof parsed === 'string')
            throw bad('lint-large-table', large, parsed);
        out.lintLargeTable = parsed;
    }
    const pg = has('pg-version') ? local.value('pg-version') : undefined;
    if (pg !== undefined && pg !== '') {
        const major = parsePgVersion(pg);
        if (major === undefined)
            throw bad('pg-version', pg, PG_VERSION_FORMAT);
        out.pgVersion = major;
    }
    if (has('lint-runner')) {
        const v = local.value('lint-runner');
        if (!LINT_RUNNERS.includes(v))
            throw bad('lint-runner', v, `one of ${LINT_RUNNERS.join(', ')}`);
        out.lintRunner = v;
    }
    return out;
}
/**
 * `--migrations-table`/`DBMATE_MIGRATIONS_TABLE` and `--history-table` by the engine's one rule
 * (identifiers.ts), before anything connects. dbmate accepts any name and quotes it; names that
 * need quoting beyond `-` (spaces, quotes, `;`) or that PostgreSQL would truncate are refused here.
 */
function checkTableNames(options, global, env, help) {
    const source = (flag, variable) => !global.isGiven(flag) && variable !== undefined && env[variable] ? `from environment variable "${variable}" for flag ${flag}` : `for flag -${flag}`;
    const check = (flag, value, qualified, format, variable) => {
        const problem = tableNameProblem(value, { qualified });
        if (problem)
            throw new CliUsageError(`invalid value "${value}" ${source(flag, variable)}: expected ${format} (${problem})`, { helpText: help() });
    };
    check('migrations-table', options.migrationsTable, true, MIGRATIONS_TABLE_FORMAT, 'DBMATE_MIGRATIONS_TABLE');
    if (options.historyTable === null)
        return;
    check('history-table', options.historyTable, false, HISTORY_TABLE_FORMAT);
    if (historyIsLedger(options.migrationsTable, options.historyTable)) {
        throw new CliUsageError(`invalid value "${options.historyTable}" for flag -history-table: ${SAME_TABLE_PROBLEM} ("${options.migrationsTable}")`, {
            helpText: help(),
            hint: 'give --history-table its own name (default schema_migrations_history), or --history-table= to disable it',
        });
    }
}
/** Go's `strconv.ParseBool`, which urfave/cli uses for bool flags and `DBMATE_*` bool variables. */
function parseGoBool(s) {
    if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s))
        return true;
    if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s))
        return false;
    return undefined;
}
function parseScope(args, specs, env, helpText, scope) {
    const usage = (message, hint) => new CliUsageError(message, { helpText: helpText(), ...(hint !== undefined ? { hint } : {}) });
    // urfave applies DBMATE_* variables while building the flag set, before reading argv, so a bad
    // variable fails even when the flag is also given.
    const fromEnv = new Map();
    for (const spec of specs) {
        if (spec.env === undefined)
            continue;
        const raw = env[spec.env];
        if (raw === undefined)
            continue;
        const parsed = envValue(spec, raw);
        if (parsed instanceof Error)
            throw usage(parsed.message);
        if (parsed !== undefined)
            fromEnv.set(spec.name, parsed);
    }
    const given = new Map();
    /** Names each flag was given under (`d`, `migrations-dir`): urfave rejects mixing them. */
    const forms = new Map();
    let i = 0;
    for (; i < args.length; i++) {
        const arg = args[i];
        if (arg.length < 2 || arg[0] !== '-')
            break;
        if (arg === '--') {
            i++;
            break;
        }
        const body = arg.slice(arg[1] === '-' ? 2 : 1);
        if (body === '' || body[0] === '-' || body[0] === '=')
            throw usage(`bad flag syntax: ${arg}`);
        const eq = body.indexOf('=');
        const name = eq === -1 ? body : body.slice(0, eq);
        const inline = eq === -1 ? undefined : body.slice(eq + 1);
        const spec = specs.find((f) => f.name === name || f.aliases?.includes(name));
        if (!spec)
            throw usage(`flag provided but not defined: -${name}`, misplacedHint(name, scope));
        forms.set(spec.name, (forms.get(spec.name) ?? new Set()).add(name));
        if (spec.kind === 'bool') {
            if (inline === undefined) {
                given.set(spec.name, true);
                continue;
            }
            const b = parseGoBool(inline);
            if (b === undefined)
                throw usage(`invalid boolean value "${inline}" for -${name}: expected true or false (or 1/0, t/f)`);
            given.set(spec.name, b);
            continue;
        }
        let value = inline;
        if (value === undefined) {
            if (i + 1 >= args.length)
                throw usage(`flag needs an argument: -${name}`);
            value = args[++i];
        }
        const parsed = convert(spec, value);
        if (parsed instanceof Error)
            throw usage(`invalid value "${value}" for flag -${name}: ${parsed.message}`);
        if (spec.kind === 'slice') {
            const prev = given.get(spec.name);
            given.set(spec.name, [...(prev ?? []), ...parsed]);
        }
        else {
            given.set(spec.name, parsed);
        }
    }
    // urfave/cli v2's normalizeFlags: `-d a --migrations-dir b` is an error, `-d a -d b` is not.
    for (const spec of specs) {
        const used = forms.get(spec.name);
        if (!used || used.size < 2)
            continue;
        const [first, second] = [spec.name, ...(spec.aliases ?? [])].filter((n) => used.has(n));
        throw usage(`Cannot use two forms of the same flag: ${second} ${first}`);
    }
    const resolve = (name) => {
        if (given.has(name))
            return given.get(name);
        if (fromEnv.has(name))
            return fromEnv.get(name);
        const spec = specs.find((f) => f.name === name);
        if (!spec)
            throw new Error(`internal: flag ${name} is not defined in scope ${scope}`);
        if (spec.kind === 'bool')
            return false;
        if (spec.default === undefined)
            return undefined;
        const parsed = convert(spec, spec.default);
        if (parsed instanceof Error)
            throw parsed;
        return parsed;
    };
    return {
        rest: args.slice(i),
        flagBool: (name) => given.get(name) === true,
        isGiven: (name) => given.has(name),
        value: (name) => resolve(name),
    };
}
/** A flag value from the command line (or a default) → typed value, or an Error naming the expected format. */
function convert(spec, value) {
    switch (spec.kind) {
        case 'string':
            return value;
        case 'slice':
            // env-file is read raw by the pre-pass, so keep it whole; urfave splits other slices on commas.
            return spec.name === 'env-file' ? [value] : value.split(',').map((s) => s.trim());
        case 'duration': {
            let ms;
            try {
                ms = parseGoDuration(value);
            }
            catch {
                return new Error(`expected ${DURATION_FORMAT}`);
            }
            return ms < 0 ? new Error(`expected ${DURATION_FORMAT}`) : ms;
        }
        case 'count':
            return /^\d+$/.test(value) && Number.isSafeInteger(Number(value)) ? Number(value) : new Error('expected a non-negative integer');
        case 'positive':
            return /^\d+$/.test(value) && Number.isSafeInteger(Number(value)) && Number(value) > 0
                ? Number(value)
                : new Error('expected a positive integer');
        default:
            return value;
    }
}
/** A `DBMATE_*` value → typed value; undefined = treat as unset; Error in urfave's wording. */
function envValue(spec, raw) {
    const source = `environment variable "${spec.env}"`;
    switch (spec.kind) {
        case 'bool': {
            // urfave: a variable set to "" means false.
            if (raw === '')
                return false;
            const b = parseGoBool(raw);
            if (b === undefined) {
                return new Error(`could not parse "${raw}" as bool value from ${source} for flag ${spec.name}: strconv.ParseBool: parsing "${raw}": invalid syntax (expected true or false)`);
            }
            return b;
        }
        case 'duration': {
            if (raw === '')
                return undefined;
            let ms;
            try {
                ms = parseGoDuration(raw);
            }
            catch (err) {
                return new Error(`could not parse "${raw}" as duration value from ${source} for flag ${spec.name}: ${err.message} (expected ${DURATION_FORMAT})`);
            }
            if (ms < 0)
                return new Error(`could not parse "${raw}" as duration value from ${source} for flag ${spec.name}: expected ${DURATION_FORMAT}`);
            return ms;
        }
        // Deliberate difference: urfave treats an empty string variable as a value; an empty table or
        // directory name is never meant (CI often exports unset inputs as ""), so we treat it as unset.
        case 'slice':
            return raw.trim() === '' ? undefined : raw.split(',').map((s) => s.trim());
        default:
            return raw === '' ? undefined : raw;
    }
}
function misplacedHint(name, scope) {
    const command = COMMANDS.find((c) => c.name === scope);
    if ((name === 'env' || name === 'e') && command?.flags.some((f) => f.name === 'environment')) {
        return `-${name} is the global option naming the variable that holds the database URL (put it before the command); to show one environment, use --environment NAME`;
    }
    const isGlobal = GLOBAL_FLAGS.some((f) => f.name === name || f.aliases?.includes(name));
    if (scope !== 'global' && isGlobal)
        return `-${name} is a global option: put it before the command`;
    const owners = COMMANDS.filter((c) => c.flags.some((f) => f.name === name || f.aliases?.includes(name))).map((c) => c.name);
    if (owners.length > 0)
        return `-${name} is an option of ${owners.join(', ')}: put it after the command`;
    return undefined;
}
function unknownCommand(word) {
    // urfave/cli v2 hands an unknown command to its help action, which answers this and exits 3.
    return new CliUsageError(`No help topic for '${word}'`, { exitCode: 3 });
}

// EXTERNAL MODULE: ./node_modules/pg/lib/index.js
var lib = __nccwpck_require__(3273);
;// CONCATENATED MODULE: ./node_modules/pg/esm/index.mjs
// ESM wrapper for pg


// Re-export all the properties
const Client = lib.Client
const Pool = lib.Pool
const Connection = lib.Connection
const types = lib.types
const Query = lib.Query
const DatabaseError = lib.DatabaseError
const escapeIdentifier = lib.escapeIdentifier
const escapeLiteral = lib.escapeLiteral
const Result = lib.Result
const TypeOverrides = lib.TypeOverrides

// Also export the defaults
const defaults = lib.defaults

// Re-export the default
/* harmony default export */ const esm = (lib);

;// CONCATENATED MODULE: external "node:tls"
const external_node_tls_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:tls");
;// CONCATENATED MODULE: ./src/engine/tls.ts
/**
 * libpq's `sslmode` in node-postgres terms: which TLS settings each mode means, the certificate
 * files a URL names, and the connection attempts the modes node-postgres lacks (`prefer`,
 * `allow`) need. The URL parser decides the mode; the connector tries the attempts.
 */


/** Every {@link SslMode}, in libpq's order (for validation messages). */
const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];
/**
 * The node-postgres configs to try, in order. One entry except for the libpq modes node-postgres
 * lacks: `prefer` tries TLS without verification then plain text (fall back only when the server
 * answers that it has no SSL), and `allow` tries plain text then TLS. `ssl` is always explicit here,
 * so `PGSSLMODE` in the environment cannot change the outcome.
 */
function connectionAttempts(target) {
    // libpq's prefer/allow never verify the server certificate.
    const tls = { ...target.sslFiles, rejectUnauthorized: false };
    if (target.sslmode === 'prefer')
        return [{ ...target.pg, ssl: tls }, { ...target.pg, ssl: false }];
    if (target.sslmode === 'allow')
        return [{ ...target.pg, ssl: false }, { ...target.pg, ssl: tls }];
    return [{ ...target.pg }];
}
/** Which CAs a {@link Trust} is, in words, for an error message. */
function describeTrust(trust) {
    switch (trust?.source) {
        case undefined:
            return 'none (the certificate is not verified)';
        case 'sslrootcert':
            return `the sslrootcert file ${trust.file}`;
        case 'system':
            return `the system's (sslrootcert=system: ${trust.file ?? "Node's view of the system store"})`;
        case 'home':
            return `~/.postgresql/root.crt (${trust.file})`;
        case 'node':
            return "Node's bundled CAs (no sslrootcert in the URL, no ~/.postgresql/root.crt)";
    }
}
/** The usual places of the system's CA bundle (Debian/Ubuntu/Alpine, RHEL/Fedora, SUSE, macOS/BSD), after `SSL_CERT_FILE`. */
const SYSTEM_CA_FILES = [
    '/etc/ssl/certs/ca-certificates.crt',
    '/etc/pki/tls/certs/ca-bundle.crt',
    '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem',
    '/etc/ssl/ca-bundle.pem',
    '/etc/ssl/cert.pem',
];
/**
 * Decide the TLS settings of a URL once, for the migration connection and every libpq child:
 * - `sslrootcert=<file>`: that file, for both.
 * - `sslrootcert=system`: the system's trusted CAs: the file `SSL_CERT_FILE` names, else Node's
 *   view of the system store, else the first distribution bundle found ({@link SYSTEM_CA_FILES});
 *   libpq ≥ 16's rule: only with `verify-full` (and the default sslmode becomes verify-full).
 *   pg_dump gets a file either way (libpq 15 reads `system` as a file name).
 * - require/verify-ca/verify-full without sslrootcert: `~/.postgresql/root.crt` when it exists
 *   (libpq's default; `require` then verifies the chain, as libpq does). Otherwise verify-ca and
 *   verify-full use Node's bundled CAs (public-CA managed databases), and pg_dump gets the same
 *   CAs in a private file (libpq would refuse: it has no such default).
 *
 * @throws MigrationError `URL_INVALID` for a file that cannot be read, `sslrootcert=system` with
 *   a weaker sslmode, or no system CA bundle
 */
function resolveTls(explicitMode, p, machine, shownUrl) {
    const invalid = (reason) => {
        throw new errors_MigrationError('URL_INVALID', `invalid database url ${shownUrl()}: ${reason}`);
    };
    const system = p.sslrootcert === 'system';
    if (system && explicitMode !== undefined && explicitMode !== 'verify-full') {
        invalid(`weak sslmode "${explicitMode}" may not be used with sslrootcert=system (use "verify-full")`);
    }
    const mode = explicitMode ?? (system ? 'verify-full' : 'prefer');
    if (mode === 'disable')
        return { mode };
    const read = (name, path) => {
        try {
            return machine.readFile(path);
        }
        catch (err) {
            throw new errors_MigrationError('URL_INVALID', `cannot read ${name} file ${path} named in ${shownUrl()}: ${err.message}`, { cause: err });
        }
    };
    const tryRead = (path) => {
        try {
            return machine.readFile(path);
        }
        catch {
            return undefined;
        }
    };
    const pgHome = `${machine.homeDir.replace(/\/+$/, '')}/.postgresql`;
    const verifies = mode === 'require' || mode === 'verify-ca' || mode === 'verify-full';
    let trust;
    if (system) {
        trust = systemTrust(machine, tryRead, invalid);
    }
    else if (p.sslrootcert !== undefined) {
        trust = { source: 'sslrootcert', file: p.sslrootcert, pems: read('sslrootcert', p.sslrootcert) };
    }
    else if (verifies) {
        const homeCa = `${pgHome}/root.crt`;
        const pems = tryRead(homeCa);
        if (pems !== undefined)
            trust = { source: 'home', file: homeCa, pems };
        else if (mode !== 'require')
            trust = { source: 'node', pems: nodeTrust(machine, tryRead) };
    }
    let homeClientCert;
    let cert = p.sslcert !== undefined ? read('sslcert', p.sslcert) : undefined;
    let key = p.sslkey !== undefined ? read('sslkey', p.sslkey) : undefined;
    if (p.sslcert === undefined && p.sslkey === undefined) {
        // libpq sends ~/.postgresql/postgresql.crt (with its key) when the URL names no client certificate.
        const homeCert = `${pgHome}/postgresql.crt`;
        const homeKey = `${pgHome}/postgresql.key`;
        const c = tryRead(homeCert);
        const k = c === undefined ? undefined : tryRead(homeKey);
        if (c !== undefined && k !== undefined) {
            cert = c;
            key = k;
            homeClientCert = { cert: homeCert, key: homeKey };
        }
    }
    let crl;
    if (p.sslcrl !== undefined)
        crl = [read('sslcrl', p.sslcrl)];
    if (p.sslcrldir !== undefined) {
        let names;
        try {
            names = machine.readDir(p.sslcrldir);
        }
        catch (err) {
            throw new errors_MigrationError('URL_INVALID', `cannot read sslcrldir directory ${p.sslcrldir} named in ${shownUrl()}: ${err.message}`, { cause: err });
        }
        const lists = names
            .sort()
            .map((n) => tryRead(`${p.sslcrldir.replace(/\/+$/, '')}/${n}`))
            .filter((t) => t !== undefined && t.includes('-----BEGIN X509 CRL-----'));
        crl = [...(crl ?? []), ...lists];
    }
    const files = {
        ...(trust !== undefined ? { ca: trust.pems } : {}),
        ...(cert !== undefined ? { cert } : {}),
        ...(key !== undefined ? { key } : {}),
        ...(p.sslpassword !== undefined ? { passphrase: p.sslpassword } : {}),
        ...(crl !== undefined && crl.length > 0 ? { crl } : {}),
        ...(p.minVersion !== undefined ? { minVersion: p.minVersion } : {}),
        ...(p.maxVersion !== undefined ? { maxVersion: p.maxVersion } : {}),
    };
    return {
        mode,
        ...(Object.keys(files).length > 0 ? { files } : {}),
        ...(trust !== undefined ? { trust } : {}),
        ...(homeClientCert !== undefined ? { homeClientCert } : {}),
    };
}
function systemTrust(machine, tryRead, invalid) {
    // OpenSSL's own override first: libpq ≥ 16 reads `system` through OpenSSL, which honours it.
    const override = machine.env.SSL_CERT_FILE;
    if (override !== undefined && override !== '') {
        const pems = tryRead(override);
        if (pems === undefined)
            invalid(`sslrootcert=system: cannot read the CA file SSL_CERT_FILE names (${override})`);
        return { source: 'system', file: override, pems };
    }
    const fromNode = machine.systemCAs();
    if (fromNode !== undefined && fromNode.length > 0)
        return { source: 'system', pems: `${fromNode.join('\n')}\n` };
    for (const file of SYSTEM_CA_FILES) {
        const pems = tryRead(file);
        if (pems !== undefined)
            return { source: 'system', file, pems };
    }
    return invalid(`sslrootcert=system: no system CA bundle found (looked at SSL_CERT_FILE, ${SYSTEM_CA_FILES.join(', ')}); install the ca-certificates package, set SSL_CERT_FILE, or name a CA file in sslrootcert`);
}
/** Node's default CAs, as `ca` would otherwise get them: the bundled ones plus `NODE_EXTRA_CA_CERTS`. */
function nodeTrust(machine, tryRead) {
    const extraFile = machine.env.NODE_EXTRA_CA_CERTS;
    const extra = extraFile !== undefined && extraFile !== '' ? tryRead(extraFile) : undefined;
    return `${[...machine.nodeCAs(), ...(extra !== undefined ? [extra.trim()] : [])].join('\n')}\n`;
}
/**
 * node-postgres's `ssl` for a mode; `undefined` for `prefer`, which {@link connectionAttempts}
 * decides per attempt. `verifyHost`: the name verify-full checks the certificate against when it
 * is not the address connected to (`hostaddr`).
 */
function sslConfig(mode, files, verifyHost) {
    switch (mode) {
        case 'disable':
        case 'allow':
            return false;
        case 'prefer':
            // node-postgres has no "prefer": the connector decides per attempt (connectionAttempts).
            return undefined;
        case 'require':
            // libpq: `require` with a root certificate behaves like verify-ca.
            if (files?.ca === undefined)
                return { ...files, rejectUnauthorized: false };
            return { ...files, rejectUnauthorized: true, checkServerIdentity: () => undefined };
        case 'verify-ca':
            // Chain verified (Node's CA store when no sslrootcert), host name not: libpq's verify-ca.
            return { ...files, rejectUnauthorized: true, checkServerIdentity: () => undefined };
        default:
            if (verifyHost === undefined)
                return { ...files, rejectUnauthorized: true };
            return { ...files, rejectUnauthorized: true, checkServerIdentity: (_name, cert) => (0,external_node_tls_namespaceObject.checkServerIdentity)(verifyHost, cert) };
    }
}

;// CONCATENATED MODULE: ./src/engine/db.ts



/**
 * The connect timeout in effect, ms (0 = no limit). One rule for the action and the CLI: a value
 * the user gave explicitly (the `connect-timeout` input, `--connect-timeout`) wins, then the
 * URL's `connect_timeout` (seconds, as libpq reads it), then `defaultMs` (the input's or flag's
 * default, 10 s).
 *
 * @param explicitMs the user's value, or undefined when they left the default
 */
function resolveConnectTimeout(target, explicitMs, defaultMs) {
    return explicitMs ?? target?.pg.connectionTimeoutMillis ?? defaultMs;
}
/**
 * Open a connection, trying each TLS setting the URL's sslmode allows in libpq's order
 * (with no sslmode: TLS first, then plain, like libpq's default `prefer`). Each attempt may take
 * at most {@link ConnectOptions.connectTimeoutMs}: a server that accepts TCP and never answers
 * fails here instead of hanging the run.
 */
async function connect(target, opts = {}) {
    const timeoutMs = opts.connectTimeoutMs ?? target.pg.connectionTimeoutMillis ?? 0;
    const attempts = connectionAttempts(target).map((c) => ({ ...c, connectionTimeoutMillis: timeoutMs }));
    const bindingRequired = target.channelBinding === 'require';
    let lastErr;
    for (let i = 0; i < attempts.length; i++) {
        try {
            return await db_open(attempts[i], bindingRequired);
        }
        catch (err) {
            lastErr = err;
            // Only a server that refuses TLS (or requires it) justifies the next attempt; anything else
            // (a timeout too: the plain attempt would wait as long again) is final.
            if (!/SSL|TLS/i.test(String(err?.message)))
                break;
        }
    }
    throw connectError(target, lastErr, timeoutMs);
}
async function db_open(config, bindingRequired) {
    // Keepalives (on by default, first probe after 10 s: url.ts) let the kernel notice a peer that
    // vanished (a failover, a dropped NAT entry) instead of leaving a query waiting on a dead socket.
    const client = new esm.Client(config);
    // An idle client whose backend dies emits 'error'; without a listener Node would crash the run.
    client.on('error', () => undefined);
    if (bindingRequired)
        requireChannelBinding(client);
    try {
        await client.connect();
    }
    catch (err) {
        await client.end().catch(() => undefined);
        throw err;
    }
    return client;
}
/**
 * libpq's `channel_binding=require`: the server must authenticate with SCRAM-SHA-256-PLUS, bound
 * to this TLS connection; any other request (a password, MD5, SCRAM without binding, or none at
 * all) fails the connection with libpq's words, and no password is sent. Our listeners are added
 * before `connect()` attaches node-postgres's, so they see each request first.
 */
function requireChannelBinding(client) {
    const con = client.connection;
    let bound = false;
    const refuse = (why) => {
        // Silence whatever node-postgres would answer to this request, then drop the connection.
        con.password = con.sendSASLInitialResponseMessage = con.sendSCRAMClientFinalMessage = () => undefined;
        con.stream?.destroy(new Error(why));
    };
    const notSupported = () => refuse("channel binding required but not supported by server's authentication request");
    con.on('authenticationCleartextPassword', notSupported);
    con.on('authenticationMD5Password', notSupported);
    con.on('authenticationSASL', (msg) => {
        if (!(msg.mechanisms ?? []).includes('SCRAM-SHA-256-PLUS')) {
            refuse('channel binding is required, but server did not offer an authentication method that supports channel binding');
        }
    });
    con.on('authenticationSASLFinal', () => {
        bound = client.saslSession?.mechanism === 'SCRAM-SHA-256-PLUS';
    });
    con.on('authenticationOk', () => {
        if (!bound)
            refuse('channel binding required, but server authenticated client without channel binding');
    });
}
/** Node's codes for a server certificate that failed verification. */
const CERTIFICATE_REFUSED = new Set([
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'UNABLE_TO_GET_ISSUER_CERT',
    'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    'SELF_SIGNED_CERT_IN_CHAIN',
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'CERT_HAS_EXPIRED',
    'CERT_NOT_YET_VALID',
    'CERT_REVOKED',
    'CERT_UNTRUSTED',
    'ERR_TLS_CERT_ALTNAME_INVALID',
]);
function connectError(target, err, timeoutMs) {
    const e = err;
    // node-postgres destroys the socket with `timeout expired` (newer versions: `… connection timeout`).
    if (timeoutMs > 0 && /timeout expired|connection timeout/i.test(e?.message ?? '')) {
        return new errors_MigrationError('CONNECT_FAILED', `cannot connect to ${target.redacted}: timed out after ${timeoutMs} ms`, {
            hint: 'the server did not answer in time: check the host, port and firewall, or raise the connect-timeout input (CLI: --connect-timeout; 0 = no limit)',
            cause: err,
        });
    }
    if (e?.code === '3D000') {
        return new errors_MigrationError('DATABASE_MISSING', `database "${target.database}" does not exist (3D000)`, {
            hint: 'create it first (`db-migrate-action create`, or `db-migrate-action up`, which creates a missing database)',
            cause: err,
        });
    }
    const detail = e?.code && !e.message?.includes(e.code) ? `${e.message} (${e.code})` : (e?.message ?? String(err));
    if (e?.code !== undefined && CERTIFICATE_REFUSED.has(e.code)) {
        return new errors_MigrationError('CONNECT_FAILED', `cannot connect to ${target.redacted}: the server's certificate was not accepted: ${e.message} (${e.code}); trusted CAs: ${describeTrust(target.trust)}`, {
            hint: "name the CA that signed the server's certificate in sslrootcert=<file> (managed databases publish theirs), use sslrootcert=system for a certificate from a public CA, or put the CA in ~/.postgresql/root.crt; pg_dump trusts the same CAs",
            cause: err,
        });
    }
    if (/^channel binding/.test(e?.message ?? '')) {
        return new errors_MigrationError('CONNECT_FAILED', `cannot connect to ${target.redacted}: ${detail}`, {
            hint: 'channel_binding=require needs scram-sha-256 password authentication over TLS (pg_hba.conf, password_encryption); connect through a server or pooler that offers SCRAM-SHA-256-PLUS, or use channel_binding=prefer',
            cause: err,
        });
    }
    return new errors_MigrationError('CONNECT_FAILED', `cannot connect to ${target.redacted}: ${detail}`, {
        hint: 'check the host, port, credentials and sslmode of the database URL, and that the server is reachable from here',
        cause: err,
    });
}
/** How long a polite close may wait for the server's goodbye before the socket is just destroyed. */
const CLOSE_WAIT_MS = 2000;
/**
 * Close without throwing: closing happens in `finally` blocks where the first error matters. Never
 * waits long: over a dead network `end()` would wait forever for the server, and its socket would
 * keep the process alive after the run.
 */
async function closeQuietly(conn) {
    if (!conn)
        return;
    let timer;
    const late = new Promise((resolve) => {
        timer = setTimeout(() => resolve('late'), CLOSE_WAIT_MS);
    });
    const how = await Promise.race([conn.end().catch(() => undefined), late]);
    clearTimeout(timer);
    if (how === 'late')
        destroySocket(conn);
}
/**
 * Close a connection's socket at once, without the goodbye `end()` waits for; a query in flight
 * fails with `err`. For sessions declared dead, whose server may never answer again.
 */
function destroySocket(conn, err) {
    conn.connection?.stream?.destroy(err);
}
/**
 * Run `fn` on a connection of its own to `target`, closed whatever `fn` does. For the short
 * look-ups around a command (a server version, a dump, a report); a command's own session, with
 * retries and the lock, is `session.ts`'s.
 */
async function withConnection(target, fn, opts = {}) {
    const conn = await connect(target, opts);
    try {
        return await fn(conn);
    }
    finally {
        await closeQuietly(conn);
    }
}
/**
 * Whether an error means the session is gone (backend terminated, server shut down, socket closed):
 * nothing more can be done on this connection, and session state such as advisory locks is released.
 */
function isConnectionLost(err) {
    const e = err;
    if (e?.code && /^(57P01|57P02|57P03|08...)$/.test(e.code))
        return true;
    return /Connection terminated|connection (is )?closed|ECONNRESET|EPIPE|Client was closed|not queryable/i.test(e?.message ?? '');
}
/** Quote an SQL string literal for simple-protocol queries (standard_conforming_strings on). */
function literal(value) {
    if (value === null || value === undefined)
        return 'NULL';
    return esm.escapeLiteral(value);
}

;// CONCATENATED MODULE: ./src/version.ts
/** This tool's version; a test keeps it equal to package.json's. */
const VERSION = '0.1.0';

;// CONCATENATED MODULE: ./src/github/run-url.ts
/** The link of the workflow run this process is part of, or undefined outside GitHub Actions. */
function runUrl(env) {
    return env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}` : undefined;
}

;// CONCATENATED MODULE: ./src/cli/context.ts



/**
 * Audit context for CLI runs: who ran it and, inside GitHub Actions, which commit and run.
 * The environment name comes from the URL variable (`STAGING_DATABASE_URL` → `staging`).
 */
function cliRunContext(envVar, env) {
    const m = /^(.+?)_DATABASE_URL$/.exec(envVar);
    const environment = env.DB_MIGRATE_ENVIRONMENT || (m ? m[1].toLowerCase() : undefined);
    return {
        environment: environment === 'dev' ? 'development' : environment,
        actor: env.GITHUB_ACTOR || env.USER || env.LOGNAME,
        gitSha: env.GITHUB_SHA,
        runId: env.GITHUB_RUN_ID,
        runUrl: runUrl(env),
        toolVersion: VERSION,
    };
}
/**
 * The connect timeout of every connection the command opens, ms (0 = no limit): `--connect-timeout`
 * when given, else the URL's `connect_timeout`, else the flag's default (10 s).
 */
function connectTimeoutMs(opts, target) {
    return resolveConnectTimeout(target, opts.connectTimeoutExplicit ? opts.connectTimeoutMs : undefined, opts.connectTimeoutMs);
}
/** The engine configuration a command line asks for, with the audit context of {@link cliRunContext}. */
function migratorConfig(opts, target, env, cwd, log) {
    return {
        target,
        migrationsDirs: [...opts.migrationsDirs],
        migrationsTable: opts.migrationsTable,
        historyTable: opts.historyTable ?? '',
        schemaFile: opts.schemaFile,
        dumpSchema: !opts.noDumpSchema,
        strict: opts.strict,
        lockTimeoutMs: opts.lockTimeoutMs,
        lockTimeoutExplicit: opts.lockTimeoutExplicit,
        ...(opts.statementTimeoutMs !== undefined ? { statementTimeoutMs: opts.statementTimeoutMs } : {}),
        lockRetries: opts.lockRetries,
        lockRetryBudgetMs: opts.lockRetryBudgetMs,
        lockWaitTimeoutMs: opts.lockWaitTimeoutMs,
        connectTimeoutMs: connectTimeoutMs(opts, target),
        livenessTimeoutMs: opts.livenessTimeoutMs,
        dumpArgs: [...opts.args],
        verbose: opts.verbose,
        ctx: cliRunContext(opts.env, env),
        log,
        cwd,
    };
}

;// CONCATENATED MODULE: ./src/cli/commands/baseline.ts

/**
 * `baseline VERSION`: record every migration up to VERSION (dbmate's order) as applied without
 * running it, for a database whose schema already exists; `--dry-run` checks and says what it
 * would record. The engine prints `Baselined: <file>` per version (`Would baseline:` in a dry run,
 * `Already applied:` for versions the ledger has); the last line says what was done. `--json`
 * prints the result instead of that line.
 *
 * @throws {MigrationError} `BASELINE_VERSION_MISSING` without VERSION; the engine's refusals
 *   (`BASELINE_VERSION_UNKNOWN`, `BASELINE_EMPTY_DATABASE`, `BASELINE_SCHEMA_MISMATCH`)
 */
async function baselineCommand({ opts, migrator, out }) {
    const version = opts.args[0];
    if (!version) {
        throw new errors_MigrationError('BASELINE_VERSION_MISSING', 'please specify the version to baseline to', {
            hint: 'db-migrate-action baseline 20240101000000 (the version of the last migration the database already has; `status` lists them)',
        });
    }
    const r = await migrator.baseline({ version, dryRun: opts.dryRun });
    if (opts.json)
        out(`${JSON.stringify(baselineJson(r), null, 2)}\n`);
    else
        out(`${baselineLine(r)}\n`);
    return 0;
}
/** The closing line: what was (or would be) recorded, what was already there, what remains for `up`. */
function baselineLine(r) {
    const n = r.baselined.length;
    const kept = r.alreadyApplied.length > 0 ? `; ${r.alreadyApplied.length} already applied` : '';
    const pending = `; ${r.pending.length} pending for \`up\``;
    if (n === 0)
        return `Nothing to baseline: every migration up to ${r.version} is already applied${pending}`;
    const what = `${n} migration(s) up to ${r.version}`;
    const checked = `${r.checkedObjects} object(s) they create found in the database`;
    return r.dryRun
        ? `Baseline (dry run, nothing changed): ${what} would be recorded as applied without running their SQL (${checked})${kept}${pending}`
        : `Baseline: ${what} recorded as applied without running their SQL (${checked})${kept}${pending}`;
}
function baselineJson(r) {
    return {
        command: r.command,
        status: r.dryRun ? 'dry-run' : r.baselined.length > 0 ? 'success' : 'nothing-to-do',
        version: r.version,
        baselined: r.baselined.map((m) => ({ version: m.version, file: m.displayPath })),
        alreadyApplied: r.alreadyApplied.map((m) => ({ version: m.version, file: m.displayPath })),
        checkedObjects: r.checkedObjects,
        unchecked: r.unchecked,
        pending: r.pending,
        currentVersion: r.currentVersion ?? null,
        ledgerCreated: r.ledgerCreated,
        schemaFile: r.schemaFile ?? null,
        dumpError: r.dumpError?.message,
        durationMs: r.durationMs,
    };
}

;// CONCATENATED MODULE: ./src/cli/commands/database.ts
/** `create`: create the database (`Creating: <db>`); an existing one is an error, as in dbmate. */
async function createCommand({ migrator }) {
    await migrator.createDatabase();
    return 0;
}
/** `drop`: drop the database if it exists (`Dropping: <db>`); running it twice succeeds. */
async function dropCommand({ migrator }) {
    await migrator.dropDatabase();
    return 0;
}

;// CONCATENATED MODULE: ./src/cli/commands/dump.ts
/**
 * `dump [-- PG_DUMP_ARGS...]`: write the schema file as dbmate does (`Writing: <file>`); the extra
 * pg_dump arguments reach the engine through its config. A pg_dump failure is an error (exit 2).
 */
async function dumpCommand({ migrator }) {
    await migrator.dump();
    return 0;
}

;// CONCATENATED MODULE: external "node:fs/promises"
const promises_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs/promises");
;// CONCATENATED MODULE: ./src/engine/files.ts



/**
 * dbmate's `^(\d+).*\.sql$` (Go RE2). Go's `.` matches any character but `\n`, whereas JavaScript's
 * also refuses `\r`, U+2028 and U+2029, hence `[^\n]`; `\d` is ASCII-only in both.
 */
const MIGRATION_FILE_RE = /^(\d+)[^\n]*\.sql$/;
/**
 * Whether `text` is a migration version as dbmate reads one: what {@link MIGRATION_FILE_RE} takes
 * from a file name (its leading ASCII digits, any length, leading zeros kept), so a version asked
 * for (`baseline VERSION`, the action's `baseline-version`) is checked by the same rule that reads
 * the files.
 */
function isMigrationVersion(text) {
    return MIGRATION_FILE_RE.exec(`${text}.sql`)?.[1] === text;
}
/** What {@link isMigrationVersion} accepts, as messages word it. */
const MIGRATION_VERSION_FORMAT = 'a migration version: the leading digits of its file name, e.g. 20240101000000';
/** Content of a file created by `new`, byte-identical to dbmate's template (33 bytes). */
const NEW_MIGRATION_TEMPLATE = '-- migrate:up\n\n\n-- migrate:down\n\n';
/**
 * Lists the migration files of one or more directories exactly as dbmate does: only the directory
 * itself (no recursion; entries that are directories are skipped even when named `*.sql`), bare
 * names matching `^(\d+).*\.sql$` (case-sensitive), all directories merged and sorted byte-wise by
 * file name — not numerically, so `10_c.sql` sorts before `1_a.sql`.
 *
 * @param dirs migrations directories as configured (e.g. `./db/migrations`), read in order
 * @param cwd base for relative directories; defaults to `process.cwd()`
 * @returns the files, sorted; files with equal names keep the order of `dirs`
 * @throws {MigrationError} `MIGRATIONS_DIR_MISSING` when a directory cannot be read
 */
async function findMigrationFiles(dirs, cwd = process.cwd()) {
    const files = [];
    for (const dir of dirs) {
        const absDir = external_node_path_default().resolve(cwd, dir);
        // Cleaned once per directory (like Go's path.Join) rather than joined per file: with 10 000
        // files the per-file joins were a measurable part of `status`.
        const shownDir = external_node_path_default().posix.join(dir, '.');
        const shownPrefix = shownDir === '.' ? '' : shownDir.endsWith('/') ? shownDir : `${shownDir}/`;
        const absPrefix = absDir.endsWith((external_node_path_default()).sep) ? absDir : absDir + (external_node_path_default()).sep;
        let entries;
        try {
            entries = await (0,promises_namespaceObject.readdir)(absDir, { withFileTypes: true });
        }
        catch (err) {
            // dbmate reports every read failure (missing, not a directory, no permission) with this text.
            throw new errors_MigrationError('MIGRATIONS_DIR_MISSING', `could not find migrations directory \`${dir}\``, {
                hint: missingDirHint(dir, err),
                cause: err,
            });
        }
        for (const entry of entries) {
            // Dirent types come from lstat, like Go's DirEntry.IsDir: a symlink to a directory is not skipped.
            if (entry.isDirectory())
                continue;
            const match = MIGRATION_FILE_RE.exec(entry.name);
            if (match === null)
                continue;
            files.push({
                version: match[1],
                fileName: entry.name,
                displayPath: shownPrefix + entry.name,
                absPath: absPrefix + entry.name,
            });
        }
    }
    // Go compares strings as UTF-8 bytes; JavaScript's `<` compares UTF-16 units, which agrees except
    // for characters above U+FFFF (surrogate pairs). Compare bytes only when such a name exists.
    // Array#sort is stable, so equal names keep the directory order.
    if (files.some((f) => /[\uD800-\uDFFF]/.test(f.fileName))) {
        const bytes = new Map(files.map((f) => [f, Buffer.from(f.fileName)]));
        return files.sort((a, b) => Buffer.compare(bytes.get(a), bytes.get(b)));
    }
    return files.sort((a, b) => (a.fileName < b.fileName ? -1 : a.fileName > b.fileName ? 1 : 0));
}
function missingDirHint(dir, err) {
    const code = err?.code;
    const fix = 'or point --migrations-dir (DBMATE_MIGRATIONS_DIR) at the directory that holds your migrations.';
    if (code === 'ENOTDIR')
        return `\`${dir}\` is not a directory; ${fix}`;
    if (code === 'EACCES' || code === 'EPERM')
        return `\`${dir}\` cannot be read (${code}); fix its permissions ${fix}`;
    return `Create it (\`db-migrate-action new NAME\` does), ${fix}`;
}
/**
 * Groups files that share a version. dbmate keys its ledger on the version only, so two such files
 * cannot both be applied: the second fails on `schema_migrations_pkey`, yet both then show as applied.
 *
 * @param files migration files, usually from {@link findMigrationFiles}
 * @returns version → files (two or more each), in file order; empty when all versions are unique
 */
function findDuplicateVersions(files) {
    const byVersion = new Map();
    for (const file of files) {
        const group = byVersion.get(file.version);
        if (group === undefined)
            byVersion.set(file.version, [file]);
        else
            group.push(file);
    }
    for (const [version, group] of byVersion)
        if (group.length < 2)
            byVersion.delete(version);
    return byVersion;
}
/**
 * Rejects files that share a version before anything runs (a deliberate improvement over dbmate,
 * which half-applies them; see DBMATE_COMPAT.md §1).
 *
 * @param files migration files, usually from {@link findMigrationFiles}
 * @throws {MigrationError} `DUPLICATE_VERSION` naming every file of every duplicated version
 */
function assertUniqueVersions(files) {
    const duplicates = findDuplicateVersions(files);
    if (duplicates.size === 0)
        return;
    const parts = [...duplicates].map(([version, group]) => `\`${version}\`: ${listPaths(group.map((f) => f.displayPath))}`);
    const sameFileTwice = [...duplicates.values()].some((g) => new Set(g.map((f) => f.absPath)).size < g.length);
    throw new errors_MigrationError('DUPLICATE_VERSION', `duplicate migration version ${parts.join('; ')}`, {
        hint: sameFileTwice
            ? 'The same migrations directory is configured more than once; list each directory only once.'
            : 'The version is the leading digits of the file name and must be unique. Rename the file that has ' +
                'not been applied yet (e.g. to a fresh timestamp from `db-migrate-action new NAME`); dbmate would apply ' +
                'only one of them and then report both as applied.',
    });
}
function listPaths(paths) {
    return paths.length <= 2 ? paths.join(' and ') : `${paths.slice(0, -1).join(', ')} and ${paths.at(-1)}`;
}
/**
 * Name of a new migration file, as `dbmate new NAME` builds it: `<UTC YYYYMMDDHHMMSS>_<name>.sql`.
 *
 * @param name the NAME argument, used verbatim (dbmate does not sanitise it either)
 * @param now creation time; only its UTC fields are used
 * @throws {MigrationError} `MIGRATION_NAME_MISSING` with dbmate's message when `name` is empty
 */
function newMigrationFileName(name, now) {
    if (name === '') {
        throw new errors_MigrationError('MIGRATION_NAME_MISSING', 'please specify a name for the new migration', {
            hint: 'Pass a name, e.g. `db-migrate-action new create_users`.',
        });
    }
    const pad = (n, width = 2) => String(n).padStart(width, '0');
    const stamp = pad(now.getUTCFullYear(), 4) +
        pad(now.getUTCMonth() + 1) +
        pad(now.getUTCDate()) +
        pad(now.getUTCHours()) +
        pad(now.getUTCMinutes()) +
        pad(now.getUTCSeconds());
    return `${stamp}_${name}.sql`;
}

;// CONCATENATED MODULE: external "node:buffer"
const external_node_buffer_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:buffer");
// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __nccwpck_require__(7598);
;// CONCATENATED MODULE: ./src/engine/parse.ts




// dbmate's regexes are Go RE2, where `\s` is only [\t\n\f\r ] and, with (?m), `^`/`$` only see `\n`.
// JavaScript's `\s` and `m` flag also accept \v, NBSP, U+2028, lone `\r`…, so they are spelled out
// here; otherwise a file could parse differently in dbmate and in our tool.
const WS = '[\\t\\n\\f\\r ]';
const NON_WS = '[^\\t\\n\\f\\r ]';
/** Go `(?m)^`: start of text or just after `\n`. */
const LINE_START = '(?<![^\\n])';
/** Go `(?m)$`: end of text or just before `\n`. */
const LINE_END = '(?![^\\n])';
/** dbmate: (?m)^--\s*migrate:up(\s*$|\s+\S+) */
const UP_RE = new RegExp(`${LINE_START}--${WS}*migrate:up(?:${WS}*${LINE_END}|${WS}+${NON_WS}+)`, 'g');
/** dbmate: (?m)^--\s*migrate:down(\s*$|\s+\S+) */
const DOWN_RE = new RegExp(`${LINE_START}--${WS}*migrate:down(?:${WS}*${LINE_END}|${WS}+${NON_WS}+)`, 'g');
/** dbmate's blockDirectiveRegExp, applied to the marker's first line only (no multiline). */
const DIRECTIVE_RE = new RegExp(`^--${WS}*migrate:(?:up|down)`);
const EMPTY_LINE_RE = new RegExp(`^${WS}*$`);
const COMMENT_LINE_RE = new RegExp(`^${WS}*--`);
const WS_RUN_RE = new RegExp(`${WS}+`);
/**
 * Go's `strings.TrimSpace` trims Unicode White_Space (unlike the RE2 `\s` above), and differs from
 * JavaScript's `trim()` on U+0085 (Go trims it) and U+FEFF (JavaScript trims it).
 */
const GO_TRIM_RE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;
const MSG_MISSING_UP = "dbmate requires each migration to define an up block with '-- migrate:up'";
const MSG_MISSING_DOWN = "dbmate requires each migration to define a down block with '-- migrate:down'";
const MSG_STATEMENTS_BEFORE_UP = "dbmate does not support statements preceding the '-- migrate:up' block";
const MSG_DOWN_WITHOUT_UP = "dbmate requires every '-- migrate:down' to be preceded by a '-- migrate:up'";
const BOM_NOTE = ' The file starts with a UTF-8 byte-order mark, so dbmate does not see a marker on line 1; save it without the BOM.';
/**
 * The checksum the history table records for a migration file: sha256 (hex) of its bytes as they
 * are on disk, so an edit of any byte (a comment, a line ending) shows as an edited file.
 */
function checksumOf(bytes) {
    return (0,external_node_crypto_.createHash)('sha256').update(bytes).digest('hex');
}
/**
 * Parses one dbmate migration file into its up and down sections.
 *
 * Checks run in dbmate's order (missing up, statements before up, two downs in one section, missing
 * down), so every malformed file fails with the message dbmate would print, prefixed with
 * `<displayPath>: `. Deliberate difference: a file with several up/down sections, which dbmate
 * accepts but which always fails on PostgreSQL at its second section, is rejected here with
 * `PARSE_MULTIPLE_SECTIONS`. Bytes that are not UTF-8 (`PARSE_INVALID_UTF8`) or hold a NUL
 * (`PARSE_NUL_BYTE`) are refused first: decoding them would replace each bad byte with U+FFFD and
 * store mangled text without an error (dbmate sends the bytes and the server refuses them, 22021).
 *
 * @param source file contents; pass the raw bytes so the checksum covers exactly what is on disk
 * @param displayPath path shown in error messages, e.g. `db/migrations/20240101000000_init.sql`
 * @returns both sections and the sha256 (hex) of the file's UTF-8 bytes
 * @throws {ParseError} when the file is not a valid single-section dbmate migration, or not UTF-8
 */
function parseMigration(source, displayPath) {
    if (typeof source !== 'string')
        assertSendable(source, displayPath);
    const bytes = typeof source === 'string' ? Buffer.from(source, 'utf8') : source;
    // Buffer#toString keeps a BOM, as Go's string(bytes) does, so markers are found at the same offsets.
    const text = typeof source === 'string' ? source : Buffer.from(source).toString('utf8');
    const checksum = checksumOf(bytes);
    const fail = (code, message, hint) => {
        throw new ParseError(code, `${displayPath}: ${message}`, { file: displayPath, hint });
    };
    const hasBom = text.startsWith('\uFEFF');
    const ups = matchStarts(text, UP_RE);
    if (ups.length === 0) {
        return fail('PARSE_MISSING_UP', MSG_MISSING_UP, "Start the file with a line '-- migrate:up' (at column 0, lowercase) followed by the SQL to apply." +
            (hasBom ? BOM_NOTE : ''));
    }
    const firstUp = ups[0];
    const stray = firstStatementLine(text.slice(0, firstUp));
    if (stray !== undefined) {
        return fail('PARSE_STATEMENTS_BEFORE_UP', MSG_STATEMENTS_BEFORE_UP, `Line ${stray.line} (${quoteSnippet(stray.text)}) comes before the first '-- migrate:up' on line ` +
            `${lineAt(text, firstUp)}; only blank lines and '--' comments may precede it. Move that SQL below the marker.` +
            (hasBom && stray.line === 1 ? BOM_NOTE : ''));
    }
    // Like dbmate, a section runs from one up marker to the next (or EOF), and every section is
    // checked for a second down before any section is checked for a missing down.
    const bounds = ups.map((start, i) => ({ start, end: ups[i + 1] ?? text.length }));
    for (const { start, end } of bounds) {
        const downs = matchStarts(text.slice(start, end), DOWN_RE);
        if (downs.length > 1) {
            const lines = downs.map((d) => lineAt(text, start + d)).join(', ');
            return fail('PARSE_DOWN_WITHOUT_UP', MSG_DOWN_WITHOUT_UP, `The up block on line ${lineAt(text, start)} is followed by '-- migrate:down' on lines ${lines}; ` +
                'keep exactly one down block per file.');
        }
    }
    const downStarts = [];
    for (const { start, end } of bounds) {
        const down = matchStarts(text.slice(start, end), DOWN_RE)[0];
        if (down === undefined) {
            const upLines = ups.map((u) => lineAt(text, u));
            return fail('PARSE_MISSING_DOWN', MSG_MISSING_DOWN, `Add a line '-- migrate:down' after the up SQL of line ${lineAt(text, start)}, followed by the SQL ` +
                'that undoes it (an empty down block is allowed).' +
                (ups.length > 1
                    ? ` This file also has ${ups.length} '-- migrate:up' markers (lines ${upLines.join(', ')}); ` +
                        'put each up/down pair in its own migration file.'
                    : ''));
        }
        downStarts.push(start + down);
    }
    if (ups.length > 1) {
        const upLines = ups.map((u) => lineAt(text, u));
        return fail('PARSE_MULTIPLE_SECTIONS', `a migration file must have exactly one '-- migrate:up' section, found ${ups.length} ` +
            `(lines ${upLines.join(', ')}); split it into separate migration files`, 'dbmate records the same version for every section of a file, so on PostgreSQL the second section ' +
            'always fails with a duplicate key on schema_migrations_pkey. Create one file per section ' +
            '(e.g. with `db-migrate-action new NAME`) and move each up/down pair into its own file.');
    }
    const downStart = downStarts[0];
    return {
        up: section(text, firstUp, downStart),
        down: section(text, downStart, text.length),
        checksum,
    };
}
/**
 * Refuses bytes PostgreSQL cannot take as query text: invalid UTF-8 (the first bad sequence is
 * named by byte offset and line, so it can be found with any hex viewer or editor) and NUL. The
 * common case costs one native scan (`isUtf8`) and one `indexOf`.
 */
function assertSendable(bytes, displayPath) {
    const nul = bytes.indexOf(0);
    if (nul === -1 && (0,external_node_buffer_namespaceObject.isUtf8)(bytes))
        return;
    const bad = firstInvalidUtf8(bytes);
    if (bad !== undefined && (nul === -1 || bad.offset < nul)) {
        const hex = Array.from(bytes.subarray(bad.offset, bad.offset + bad.length), (b) => `0x${b.toString(16).padStart(2, '0')}`).join(' ');
        const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
        throw new ParseError('PARSE_INVALID_UTF8', `${displayPath}: not valid UTF-8 at byte offset ${bad.offset} (line ${lineOfByte(bytes, bad.offset)}): ` +
            `${bad.length > 1 ? 'bytes' : 'byte'} ${hex}${bad.truncated ? ' at the end of the file' : ''}`, {
            file: displayPath,
            hint: (utf16 ? 'The file starts with a UTF-16 byte-order mark. ' : '') +
                'Save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`); PostgreSQL refuses other bytes (SQLSTATE 22021), ' +
                'so dbmate fails on this file too. Nothing was run.',
        });
    }
    throw new ParseError('PARSE_NUL_BYTE', `${displayPath}: contains a NUL byte at byte offset ${nul} (line ${lineOfByte(bytes, nul)})`, {
        file: displayPath,
        hint: 'PostgreSQL cannot take a NUL character in a query (a file saved as UTF-16 has one in every other byte): ' +
            "remove it, or write it as an escape in a bytea literal (e.g. '\\x00'::bytea). Nothing was run.",
    });
}
/**
 * The first ill-formed sequence (Unicode's "maximal subpart": the lead byte and the continuation
 * bytes that were valid so far): stray continuation bytes, C0/C1 and F5..FF leads, overlong
 * forms, UTF-16 surrogates (ED A0..BF), code points above U+10FFFF, and a sequence cut short.
 */
function firstInvalidUtf8(bytes) {
    for (let i = 0; i < bytes.length;) {
        const b = bytes[i];
        if (b < 0x80) {
            i++;
            continue;
        }
        let need;
        let lo = 0x80;
        let hi = 0xbf;
        if (b >= 0xc2 && b <= 0xdf)
            need = 1;
        else if (b >= 0xe0 && b <= 0xef) {
            need = 2;
            if (b === 0xe0)
                lo = 0xa0; // overlong below U+0800
            if (b === 0xed)
                hi = 0x9f; // surrogates U+D800..DFFF
        }
        else if (b >= 0xf0 && b <= 0xf4) {
            need = 3;
            if (b === 0xf0)
                lo = 0x90; // overlong below U+10000
            if (b === 0xf4)
                hi = 0x8f; // above U+10FFFF
        }
        else
            return { offset: i, length: 1, truncated: false };
        for (let k = 1; k <= need; k++) {
            if (i + k >= bytes.length)
                return { offset: i, length: k, truncated: true };
            const c = bytes[i + k];
            const [min, max] = k === 1 ? [lo, hi] : [0x80, 0xbf];
            if (c < min || c > max)
                return { offset: i, length: k, truncated: false };
        }
        i += need + 1;
    }
    return undefined;
}
/** 1-based line of a byte offset (lines end at `\n`, a single byte in UTF-8). */
function lineOfByte(bytes, offset) {
    let line = 1;
    for (let i = bytes.indexOf(0x0a); i !== -1 && i < offset; i = bytes.indexOf(0x0a, i + 1))
        line++;
    return line;
}
/** Builds a section from `text[start, end)`; `start` is the marker's offset. */
function section(text, start, end) {
    const sql = text.slice(start, end);
    return { sql, transaction: parseOptions(sql).get('transaction') !== 'false', startLine: lineAt(text, start) };
}
/**
 * dbmate's parseMigrationOptions: the marker's first line minus the directive, trimmed, split on
 * whitespace; only tokens with exactly one `:` count, and a later key overrides an earlier one.
 */
function parseOptions(sectionText) {
    const options = new Map();
    const nl = sectionText.indexOf('\n');
    const firstLine = nl === -1 ? sectionText : sectionText.slice(0, nl);
    const rest = firstLine.replace(DIRECTIVE_RE, '').replace(GO_TRIM_RE, '');
    if (rest === '')
        return options;
    for (const token of rest.split(WS_RUN_RE)) {
        const pair = token.split(':');
        if (pair.length === 2)
            options.set(pair[0], pair[1]);
    }
    return options;
}
/** Start offsets of all non-overlapping matches, as Go's FindAllStringIndex returns them. */
function matchStarts(text, re) {
    return Array.from(text.matchAll(re), (m) => m.index);
}
/** First line (1-based) before the up marker that is neither blank nor a `--` comment. */
function firstStatementLine(prefix) {
    const lines = prefix.split('\n');
    for (let i = 0; i < lines.length; i++) {
        const line = lines[i];
        if (!EMPTY_LINE_RE.test(line) && !COMMENT_LINE_RE.test(line))
            return { line: i + 1, text: line };
    }
    return undefined;
}
/** 1-based line number of `offset`; lines end at `\n` only, as in dbmate. */
function lineAt(text, offset) {
    let line = 1;
    for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1))
        line++;
    return line;
}
/** Short, single-line rendering of a source line for hints. */
function quoteSnippet(line) {
    const trimmed = line.replace(/^\uFEFF/, '').trim();
    return `\`${trimmed.length > 60 ? `${trimmed.slice(0, 57)}...` : trimmed}\``;
}
/**
 * Read and parse these files. Every file is parsed before anything runs: a malformed file fails
 * the run with nothing applied. The bytes are parsed (not a decoded string) so the checksum is
 * the file's own sha256.
 *
 * @throws ParseError for the first file that is not a valid dbmate migration
 */
function loadMigrations(files) {
    return files.map((file) => ({ file, parsed: parseMigration((0,external_node_fs_.readFileSync)(file.absPath), file.displayPath) }));
}

;// CONCATENATED MODULE: ./src/engine/sql-error.ts

/** A migration whose SQL the server rejected. */
class SqlMigrationError extends errors_MigrationError {
    failure;
    constructor(failure, opts = {}) {
        super(failure.cancelled ? 'CANCELLED' : failure.sqlstate ? `SQL_${failure.sqlstate}` : 'SQL_ERROR', headline(failure), opts);
        this.name = 'SqlMigrationError';
        this.failure = failure;
    }
    /** Multi-line description for terminals, summaries and issues. */
    describe() {
        const f = this.failure;
        const lines = [this.message];
        if (f.detail)
            lines.push(`  detail: ${f.detail}`);
        if (f.serverHint)
            lines.push(`  server hint: ${f.serverHint}`);
        if (f.statement)
            lines.push(`  statement: ${oneLine(f.statement)}`);
        if (f.transactional) {
            lines.push(`  nothing from this ${f.direction} section was applied (it ran in one transaction that was rolled back)`);
        }
        else {
            const done = f.completedStatements ?? [];
            lines.push(done.length
                ? `  transaction:false: ${done.length} statement(s) before it completed and remain applied: ${done.map(oneLine).join(' | ')}`
                : '  transaction:false: no statement of this section completed');
            if (f.invalidIndexes?.length)
                lines.push(`  INVALID indexes left behind: ${f.invalidIndexes.join(', ')} (drop them with DROP INDEX CONCURRENTLY before retrying)`);
        }
        if (this.hint)
            lines.push(`  hint: ${this.hint}`);
        return lines.join('\n');
    }
}
function headline(f) {
    const where = f.line !== undefined ? `${f.file}:${f.line}:${f.column ?? 1}` : f.file;
    const what = `${f.direction === 'down' ? 'rolling back' : 'applying'} version ${f.version}`;
    const server = `${f.serverMessage}${f.sqlstate ? ` (SQLSTATE ${f.sqlstate})` : ''}`;
    return f.cancelled ? `${where}: ${what} was cancelled by ${f.cancelled}: ${server}` : `${where}: ${what} failed: ${server}`;
}
function oneLine(sql) {
    const s = sql.replace(/\s+/g, ' ').trim();
    return s.length > 200 ? `${s.slice(0, 197)}...` : s;
}
/**
 * Turn a 1-based character position in `text` into 1-based line and column, counting like dbmate
 * (a CR of a CRLF pair is not a column).
 */
function lineColumn(text, position) {
    let line = 1;
    let column = 1;
    let offset = 0;
    for (const ch of text) {
        offset++;
        if (offset >= position)
            break;
        if (ch === '\r')
            continue;
        if (ch === '\n') {
            line++;
            column = 1;
            continue;
        }
        column++;
    }
    return { line, column };
}
/** A syntax error found by our parser before anything was sent to the server. */
class SqlSyntaxError extends errors_MigrationError {
    /** 1-based character position in the parsed text. */
    position;
    constructor(message, position, cause) {
        super('SQL_SYNTAX', message, { cause });
        this.name = 'SqlSyntaxError';
        this.position = position;
    }
}

;// CONCATENATED MODULE: ./src/engine/split.ts

let parser;
/**
 * Load the real PostgreSQL parser on first use only: it costs tens of milliseconds, which
 * the common path (transactional files, status) should not pay.
 */
async function split_loadParser() {
    parser ??= (async () => {
        const mod = (await __nccwpck_require__.e(/* import() */ 627).then(__nccwpck_require__.t.bind(__nccwpck_require__, 2627, 23)));
        const lib = (typeof mod.default?.loadModule === 'function' ? mod.default : mod);
        await lib.loadModule();
        return lib;
    })();
    return parser;
}
/**
 * Split a section into top-level statements with PostgreSQL's own grammar, so semicolons inside
 * strings, dollar quotes, comments and function bodies never split a statement.
 * Syntax errors are reported with the character offset where the parser stopped.
 */
async function splitStatements(sql) {
    const lib = await split_loadParser();
    let result;
    try {
        result = lib.parseSync(sql);
    }
    catch (err) {
        const details = err.sqlDetails;
        const bytePos = details?.cursorPosition ?? 0;
        throw new SqlSyntaxError(err.message, charOffset(sql, bytePos) + 1, err);
    }
    // The parser reports byte offsets into the UTF-8 text; statements are sliced in bytes and
    // their offsets converted back to characters, so non-ASCII text before a statement is safe.
    const bytes = Buffer.from(sql, 'utf8');
    const out = [];
    for (const s of result.stmts ?? []) {
        const start = s.stmt_location ?? 0;
        const end = s.stmt_len ? start + s.stmt_len : bytes.length;
        const text = bytes.subarray(start, end).toString('utf8');
        // stmt_location can point at leading whitespace/comments; the statement starts at its first token.
        const lead = leadingTrivia(text);
        const stmt = text.slice(lead).trimEnd();
        if (!stmt)
            continue;
        out.push({ sql: stmt, offset: charOffset(sql, start) + lead });
    }
    return out;
}
/** Length of leading whitespace and comments (nested block comments included). */
function leadingTrivia(text) {
    let i = 0;
    for (;;) {
        while (i < text.length && /\s/.test(text[i]))
            i++;
        if (text.startsWith('--', i)) {
            const nl = text.indexOf('\n', i);
            i = nl < 0 ? text.length : nl + 1;
        }
        else if (text.startsWith('/*', i)) {
            let depth = 0;
            let j = i;
            while (j < text.length) {
                if (text.startsWith('/*', j)) {
                    depth++;
                    j += 2;
                }
                else if (text.startsWith('*/', j)) {
                    depth--;
                    j += 2;
                    if (depth === 0)
                        break;
                }
                else
                    j++;
            }
            i = j;
        }
        else
            return i;
    }
}
/** Convert a UTF-8 byte offset in `text` into a UTF-16 character offset. */
function charOffset(text, byteOffset) {
    return Buffer.from(text, 'utf8').subarray(0, byteOffset).toString('utf8').length;
}
/**
 * Best effort for text the parser rejects (a syntax error): the statement around `offset` (a
 * UTF-16 offset into `sql`), delimited by the semicolons PostgreSQL's own scanner sees (so none
 * inside strings, comments or dollar quotes, nor inside a `BEGIN ATOMIC … END` body). Lets an
 * error message quote the statement even when the file does not parse. Undefined when even the
 * scanner fails (e.g. an unterminated quote).
 */
async function statementAround(sql, offset) {
    const lib = await split_loadParser();
    let tokens;
    try {
        tokens = lib.scanSync(sql).tokens;
    }
    catch {
        return undefined;
    }
    const bytes = Buffer.from(sql, 'utf8');
    const at = Buffer.byteLength(sql.slice(0, offset), 'utf8');
    let start = 0;
    let end = bytes.length;
    let atomic = 0;
    let cases = 0;
    let prev = '';
    for (const t of tokens) {
        if (t.tokenName === 'SQL_COMMENT' || t.tokenName === 'C_COMMENT')
            continue;
        const word = t.text.toLowerCase();
        if (word === 'atomic' && prev === 'begin')
            atomic++;
        else if (word === 'case' && atomic > 0)
            cases++;
        else if (word === 'end' && atomic > 0) {
            if (cases > 0)
                cases--;
            else
                atomic--;
        }
        else if (t.text === ';' && atomic === 0) {
            if (t.end <= at)
                start = t.end;
            else {
                end = t.start;
                break;
            }
        }
        prev = word;
    }
    const text = bytes.subarray(start, end).toString('utf8');
    const lead = leadingTrivia(text);
    const stmt = text.slice(lead).trimEnd();
    return stmt ? { sql: stmt, offset: charOffset(sql, start) + lead } : undefined;
}
/**
 * Whether a section holds no statement: only its marker, comments and blanks. Decided by the
 * real PostgreSQL parser (comments of every kind, dollar quotes); text that does not parse is
 * not empty (running it will say what is wrong).
 */
async function isEmptySection(section) {
    try {
        return (await splitStatements(section.sql)).length === 0;
    }
    catch {
        return false;
    }
}

;// CONCATENATED MODULE: ./src/lint/rules.ts
/**
 * PostgreSQL migration lint rules, checked on the libpg-query AST of one statement at a time.
 * Pure: no I/O, no `@actions/*`. Each rule says why the statement is dangerous and what to write
 * instead; {@link trackStatement} keeps the facts later statements depend on: tables and indexes
 * created earlier in the plan (new and empty, so safe to lock, rewrite or drop), validated CHECK
 * constraints, `SET lock_timeout`, enum values added in the section.
 */
/** A fresh {@link PlanState}: nothing created yet. */
function rules_newPlanState() {
    return { createdTables: new Set(), validatedNotNull: new Set(), notNullChecks: new Map(), indexes: new Map(), indexColumns: new Map() };
}
/**
 * A fresh {@link SectionState}. Given a plan, the section shares its collections (an up section:
 * what it creates is new for every later file); without one, it starts from nothing (a down section,
 * which runs after everything and sees no table as new except those it creates itself).
 */
function newSectionState(plan = rules_newPlanState()) {
    return {
        createdTables: plan.createdTables,
        validatedNotNull: plan.validatedNotNull,
        notNullChecks: plan.notNullChecks,
        indexes: plan.indexes,
        indexColumns: plan.indexColumns,
        lockTimeoutSet: false,
        lockTimeoutReported: false,
        enumValues: new Map(),
        enumUsesReported: new Set(),
        notValidAdded: new Set(),
    };
}
/** `[type, fields]` of a node, or undefined. */
function unwrap(node) {
    if (!node || typeof node !== 'object')
        return undefined;
    const key = Object.keys(node)[0];
    return key ? [key, node[key]] : undefined;
}
function field(node, type) {
    const u = unwrap(node);
    return u && u[0] === type ? u[1] : undefined;
}
function str(node) {
    const s = field(node, 'String')?.sval;
    return typeof s === 'string' ? s : undefined;
}
/** `schema.name` (or `name`) of a RangeVar, as written. */
function relName(rv) {
    if (!rv)
        return '?';
    return rv.schemaname ? `${rv.schemaname}.${rv.relname}` : String(rv.relname);
}
/** Lowercase {@link relName}: the `table` of a finding and the key of the plan's sets. */
function tableKey(rv) {
    return relName(rv).toLowerCase();
}
/** The keys a qualified name is known by: `s.t` and `t`. */
function keysOf(name) {
    const n = name.toLowerCase();
    const dot = n.lastIndexOf('.');
    return dot < 0 ? [n] : [n, n.slice(dot + 1)];
}
function hasName(set, name) {
    return keysOf(name).some((k) => set.has(k));
}
function getName(map, name) {
    for (const k of keysOf(name))
        if (map.has(k))
            return map.get(k);
    return undefined;
}
/** Whether a table was created earlier in the plan (up) or the section (down). */
function isNew(rv, ctx) {
    return !!rv && isNewName(tableKey(rv), ctx.state);
}
function isNewName(name, state) {
    return hasName(state.createdTables, name);
}
function alterCmds(stmt) {
    const a = field(stmt, 'AlterTableStmt');
    if (!a)
        return undefined;
    return { rel: a.relation, cmds: (a.cmds ?? []).map((c) => field(c, 'AlterTableCmd')).filter((c) => !!c), objtype: a.objtype };
}
/** ALTER TABLE on an existing table (not one the plan created). */
function alterExisting(stmt, ctx) {
    const a = alterCmds(stmt);
    if (!a || a.objtype !== 'OBJECT_TABLE' || isNew(a.rel, ctx))
        return undefined;
    return { rel: a.rel, cmds: a.cmds, table: tableKey(a.rel) };
}
/** Function names called anywhere in an expression. */
function calledFunctions(expr, out = []) {
    if (Array.isArray(expr)) {
        for (const e of expr)
            calledFunctions(e, out);
    }
    else if (expr && typeof expr === 'object') {
        const fc = expr.FuncCall;
        if (fc) {
            const names = (fc.funcname ?? []);
            const last = names[names.length - 1]?.String?.sval;
            if (last)
                out.push(String(last).toLowerCase());
        }
        for (const v of Object.values(expr))
            if (v && typeof v === 'object')
                calledFunctions(v, out);
    }
    return out;
}
/** String constants (`'…'`) anywhere in a statement, with their byte offsets. */
function stringConstants(node, out = []) {
    if (Array.isArray(node)) {
        for (const e of node)
            stringConstants(e, out);
    }
    else if (node && typeof node === 'object') {
        const c = node.A_Const;
        if (c && typeof c.sval?.sval === 'string')
            out.push({ value: c.sval.sval, location: c.location });
        for (const v of Object.values(node))
            if (v && typeof v === 'object')
                stringConstants(v, out);
    }
    return out;
}
/** Column of `CHECK (col IS NOT NULL)`, if that is the whole expression. */
function notNullCheckColumn(c) {
    const nt = field(c.raw_expr, 'NullTest');
    if (!nt || nt.nulltesttype !== 'IS_NOT_NULL')
        return undefined;
    const ref = field(nt.arg, 'ColumnRef');
    const fields = (ref?.fields ?? []);
    const name = fields[fields.length - 1]?.String?.sval;
    return name ? String(name) : undefined;
}
function constraints(stmt) {
    const a = alterCmds(stmt);
    if (!a)
        return [];
    return a.cmds.filter((cmd) => cmd.subtype === 'AT_AddConstraint').map((cmd) => ({ rel: a.rel, c: field(cmd.def, 'Constraint') ?? {} }));
}
function columnConstraints(col) {
    return (col.constraints ?? []).map((c) => field(c, 'Constraint') ?? {});
}
/** The columns an ALTER TABLE adds: each ColumnDef, its type name (lowercase, last part) and its constraints. */
function addedColumns(cmds) {
    return cmds
        .map((cmd) => (cmd.subtype === 'AT_AddColumn' ? field(cmd.def, 'ColumnDef') : undefined))
        .filter((col) => !!col)
        .map((col) => ({ col, type: String(names(col.typeName?.names).slice(-1)[0] ?? '').toLowerCase(), constraints: columnConstraints(col) }));
}
/** `a, b` of names given as String nodes. */
function names(list) {
    return (list ?? []).map((n) => str(n)).filter((n) => n !== undefined);
}
/** One finding for several parts of one statement: its message lists them, its position is the first one's. */
function joined(parts, message, table) {
    if (!parts.length)
        return [];
    return [{ message: message(parts.map((p) => p.text).join(', ')), location: parts[0].location, ...(table ? { table } : {}) }];
}
/** Volatile functions whose default forces a table rewrite under ACCESS EXCLUSIVE. */
const VOLATILE = new Set(['random', 'clock_timestamp', 'gen_random_uuid', 'uuid_generate_v1', 'uuid_generate_v4', 'nextval', 'timeofday', 'txid_current']);
const SERIAL_TYPES = new Set(['serial', 'serial4', 'bigserial', 'serial8', 'smallserial', 'serial2']);
/** SQL words of an object type (`OBJECT_MATVIEW` → `MATERIALIZED VIEW`). */
const KIND_WORDS = {
    OBJECT_MATVIEW: 'MATERIALIZED VIEW',
    OBJECT_FOREIGN_TABLE: 'FOREIGN TABLE',
    OBJECT_FOREIGN_SERVER: 'SERVER',
    OBJECT_FDW: 'FOREIGN DATA WRAPPER',
    OBJECT_OPCLASS: 'OPERATOR CLASS',
    OBJECT_OPFAMILY: 'OPERATOR FAMILY',
    OBJECT_TSCONFIGURATION: 'TEXT SEARCH CONFIGURATION',
    OBJECT_TSDICTIONARY: 'TEXT SEARCH DICTIONARY',
    OBJECT_TSPARSER: 'TEXT SEARCH PARSER',
    OBJECT_TSTEMPLATE: 'TEXT SEARCH TEMPLATE',
    OBJECT_STATISTIC_EXT: 'STATISTICS',
    OBJECT_LARGEOBJECT: 'LARGE OBJECT',
};
/** `TABLE`, `MATERIALIZED VIEW`, `EVENT TRIGGER`… of an `OBJECT_*` type. */
function kindWord(objtype) {
    const t = String(objtype ?? 'OBJECT_OBJECT');
    return KIND_WORDS[t] ?? t.replace(/^OBJECT_/, '').replace(/_/g, ' ');
}
/** Display names of built-in types as one writes them. */
const TYPE_WORDS = { int4: 'int', int8: 'bigint', int2: 'smallint', bool: 'boolean', float8: 'double precision', float4: 'real', bpchar: 'char', varchar: 'varchar', numeric: 'numeric', timestamptz: 'timestamptz' };
function typeName(node) {
    const t = field(node, 'TypeName');
    if (!t)
        return str(node) ?? '?';
    const n = names(t.names);
    const plain = n[0] === 'pg_catalog' ? n.slice(1) : n;
    const last = plain.join('.');
    return `${TYPE_WORDS[last] ?? last}${t.arrayBounds?.length ? '[]' : ''}`;
}
/** `f(int, text)` (or `f` when the arguments are not given) of an ObjectWithArgs. */
function withArgs(o) {
    const name = names(o.objname).join('.');
    if (o.args_unspecified)
        return name;
    return `${name}(${(o.objargs ?? []).map((a) => (a ? typeName(a) : 'NONE')).join(', ')})`;
}
/** How one object of a DROP (or GRANT) reads in SQL, for its kind. */
function objectName(o, kind) {
    const [type, n] = unwrap(o) ?? ['', {}];
    if (type === 'ObjectWithArgs')
        return withArgs(n);
    if (type === 'String')
        return String(n.sval);
    if (type === 'TypeName')
        return typeName(o);
    if (type === 'RangeVar')
        return relName(n);
    if (type === 'List') {
        const items = (n.items ?? []);
        if (kind === 'OBJECT_CAST')
            return `(${typeName(items[0])} AS ${typeName(items[1])})`;
        if (kind === 'OBJECT_TRANSFORM')
            return `FOR ${typeName(items[0])} LANGUAGE ${str(items[1]) ?? '?'}`;
        const parts = items.map((i) => str(i) ?? typeName(i));
        if (kind === 'OBJECT_TRIGGER' || kind === 'OBJECT_POLICY' || kind === 'OBJECT_RULE')
            return `${parts[parts.length - 1]} ON ${parts.slice(0, -1).join('.')}`;
        if (kind === 'OBJECT_OPCLASS' || kind === 'OBJECT_OPFAMILY')
            return `${parts.slice(1).join('.')} USING ${parts[0]}`;
        return parts.join('.');
    }
    return '?';
}
/** The names of a DROP's objects as one writes them. */
function dropObjects(d) {
    return (d.objects ?? []).map((o) => objectName(o, String(d.removeType)));
}
/** `DROP TRIGGER x ON t`, `DROP FUNCTION f(int)`, `DROP MATERIALIZED VIEW a, b`. */
function dropText(d, objects = dropObjects(d)) {
    return `DROP ${kindWord(d.removeType)} ${objects.join(', ')}`;
}
/** The index a DROP/REINDEX names, as the plan knows it (undefined: not created by this plan). */
function planIndex(name, plan) {
    return getName(plan.indexes, name);
}
/** Tables an ACCESS EXCLUSIVE statement locks (empty when it takes a weaker lock or touches new tables only). */
function accessExclusiveTarget(stmt, ctx) {
    const [type, n] = unwrap(stmt) ?? ['', {}];
    switch (type) {
        case 'AlterTableStmt':
            if (n.objtype !== 'OBJECT_TABLE' || isNew(n.relation, ctx))
                return undefined;
            return `ALTER TABLE ${relName(n.relation)}`;
        case 'RenameStmt':
            if (!n.relation || isNew(n.relation, ctx))
                return undefined;
            return `ALTER TABLE ${relName(n.relation)} RENAME`;
        case 'DropStmt':
            if (n.removeType !== 'OBJECT_TABLE' && !(n.removeType === 'OBJECT_INDEX' && !n.concurrent))
                return undefined;
            return dropText(n);
        case 'TruncateStmt':
            return 'TRUNCATE';
        case 'ClusterStmt':
            return 'CLUSTER';
        case 'VacuumStmt':
            return isVacuumFull(n) ? 'VACUUM FULL' : undefined;
        default:
            return undefined;
    }
}
function isVacuumFull(v) {
    return v.is_vacuumcmd !== false && (v.options ?? []).some((o) => {
        const d = field(o, 'DefElem');
        return d?.defname === 'full' && field(d.arg, 'Boolean')?.boolval !== false && str(d.arg) !== 'false';
    });
}
/** Whether the plan creates an index on `table` whose leading columns are exactly `cols` (in any order). */
function indexCovers(state, table, cols) {
    const want = new Set(cols.map((c) => c.toLowerCase()));
    for (const k of keysOf(table)) {
        for (const idx of state.indexColumns.get(k) ?? []) {
            if (idx.length < want.size)
                continue;
            const lead = new Set(idx.slice(0, want.size).map((c) => c.toLowerCase()));
            if (lead.size === want.size && [...want].every((c) => lead.has(c)))
                return true;
        }
    }
    return false;
}
/** The foreign keys one statement adds: its table, referencing columns, name and position. */
function foreignKeys(stmt) {
    const out = [];
    const [type, n] = unwrap(stmt) ?? ['', {}];
    const fromColumn = (rel, col, creates) => {
        for (const c of columnConstraints(col))
            if (c.contype === 'CONSTR_FOREIGN')
                out.push({ rel, cols: [String(col.colname)], name: c.conname, location: c.location, creates });
    };
    if (type === 'CreateStmt') {
        for (const e of (n.tableElts ?? [])) {
            const col = field(e, 'ColumnDef');
            if (col)
                fromColumn(n.relation, col, true);
            const c = field(e, 'Constraint');
            if (c?.contype === 'CONSTR_FOREIGN')
                out.push({ rel: n.relation, cols: names(c.fk_attrs), name: c.conname, location: c.location, creates: true });
        }
    }
    const a = alterCmds(stmt);
    if (a && a.objtype === 'OBJECT_TABLE') {
        for (const cmd of a.cmds) {
            const c = field(cmd.def, 'Constraint');
            if (cmd.subtype === 'AT_AddConstraint' && c?.contype === 'CONSTR_FOREIGN')
                out.push({ rel: a.rel, cols: names(c.fk_attrs), name: c.conname, location: c.location, creates: false });
            const col = field(cmd.def, 'ColumnDef');
            if (cmd.subtype === 'AT_AddColumn' && col)
                fromColumn(a.rel, col, false);
        }
    }
    return out;
}
/** Secret-looking string literals: what each kind is called (never the value). */
const SECRET_PATTERNS = [
    [/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/, 'an AWS access key id'],
    [/-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/, 'a private key'],
    [/\bgh[pousr]_[A-Za-z0-9]{36,}/, 'a GitHub token'],
    [/\bgithub_pat_[A-Za-z0-9_]{22,}/, 'a GitHub token'],
    [/\bxox[abposr]-[A-Za-z0-9-]{10,}/, 'a Slack token'],
    [/\b[sr]k_live_[A-Za-z0-9]{16,}/, 'a Stripe live key'],
    [/\bAIza[0-9A-Za-z_-]{35}/, 'a Google API key'],
    [/\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@'"]+:(?![$%{<*])[^\s/@'"]+@/i, 'a URL with a password'],
];
/** Every string value in a statement (literals, option values, function bodies), with the nearest byte offset. */
function allStrings(node, loc, out) {
    if (Array.isArray(node)) {
        for (const e of node)
            allStrings(e, loc, out);
        return;
    }
    if (!node || typeof node !== 'object')
        return;
    const o = node;
    const here = typeof o.location === 'number' && o.location >= 0 ? o.location : loc;
    if (o.DefElem && o.DefElem.defname === 'password' && typeof field(o.DefElem.arg, 'String')?.sval === 'string')
        out.push({ value: '', location: o.DefElem.location ?? here, password: 'password' });
    for (const [k, v] of Object.entries(o)) {
        if (k === 'sval' && typeof v === 'string')
            out.push({ value: v, location: here });
        else if (v && typeof v === 'object')
            allStrings(v, here, out);
    }
}
/** Role names of a GRANT's grantees (`PUBLIC` for the public pseudo-role). */
function grantees(g) {
    return (g.grantees ?? []).map((r) => {
        const rs = field(r, 'RoleSpec') ?? {};
        if (rs.roletype === 'ROLESPEC_PUBLIC')
            return 'PUBLIC';
        if (rs.roletype === 'ROLESPEC_CSTRING')
            return String(rs.rolename);
        return String(rs.roletype ?? '?').replace(/^ROLESPEC_/, '');
    });
}
/** `GRANT SELECT, INSERT ON TABLE t TO PUBLIC` of a GrantStmt (or of ALTER DEFAULT PRIVILEGES). */
function grantText(g) {
    const privs = (g.privileges ?? []).map((p) => String(field(p, 'AccessPriv')?.priv_name ?? '?').toUpperCase());
    const kind = kindWord(g.objtype);
    const objects = (g.objects ?? []).map((o) => objectName(o, String(g.objtype)));
    const target = g.targtype === 'ACL_TARGET_ALL_IN_SCHEMA' ? `ALL ${kind}S IN SCHEMA ${objects.join(', ')}` : g.targtype === 'ACL_TARGET_DEFAULTS' ? `${kind}S (default privileges)` : `${kind} ${objects.join(', ')}`;
    return `GRANT ${privs.length ? privs.join(', ') : 'ALL'} ON ${target} TO ${grantees(g).join(', ')}`;
}
function grantOf(stmt) {
    const g = field(stmt, 'GrantStmt') ?? field(field(stmt, 'AlterDefaultPrivilegesStmt')?.action, 'GrantStmt') ?? field(stmt, 'AlterDefaultPrivilegesStmt')?.action;
    return g && g.is_grant ? g : undefined;
}
const TRANSACTION_WORDS = {
    TRANS_STMT_BEGIN: 'BEGIN',
    TRANS_STMT_START: 'START TRANSACTION',
    TRANS_STMT_COMMIT: 'COMMIT',
    TRANS_STMT_ROLLBACK: 'ROLLBACK',
    TRANS_STMT_PREPARE: 'PREPARE TRANSACTION',
    TRANS_STMT_COMMIT_PREPARED: 'COMMIT PREPARED',
    TRANS_STMT_ROLLBACK_PREPARED: 'ROLLBACK PREPARED',
};
// ---------------------------------------------------------------------------------------------
// Rules
/** All rules, in the order findings of one statement are reported. */
const RULES = [
    {
        id: 'require-concurrent-index',
        severity: 'error',
        sizeSensitive: true,
        why: 'CREATE INDEX without CONCURRENTLY holds a SHARE lock on the table for the whole build, blocking every INSERT, UPDATE and DELETE; on a big table that is minutes of downtime.',
        fix: 'Use CREATE INDEX CONCURRENTLY in its own migration marked `-- migrate:up transaction:false` (and DROP INDEX CONCURRENTLY IF EXISTS in its down).',
        check(stmt, ctx) {
            const i = field(stmt, 'IndexStmt');
            if (!i || i.concurrent || isNew(i.relation, ctx))
                return [];
            return [{ message: `CREATE INDEX${i.idxname ? ` ${i.idxname}` : ''} on existing table ${relName(i.relation)} without CONCURRENTLY`, table: tableKey(i.relation) }];
        },
    },
    {
        id: 'concurrently-in-transaction',
        severity: 'error',
        why: 'PostgreSQL refuses CREATE/DROP INDEX CONCURRENTLY and REINDEX CONCURRENTLY inside a transaction block, and dbmate runs every section in one transaction unless told otherwise: the migration fails.',
        fix: 'Put the statement in its own migration file whose markers say `-- migrate:up transaction:false` (and `-- migrate:down transaction:false`), and make it idempotent (IF NOT EXISTS / IF EXISTS).',
        check(stmt, ctx) {
            if (!ctx.transaction)
                return [];
            const [type, n] = unwrap(stmt) ?? ['', {}];
            const concurrent = (type === 'IndexStmt' && n.concurrent) || (type === 'DropStmt' && n.concurrent) || (type === 'ReindexStmt' && isConcurrentReindex(n));
            if (!concurrent)
                return [];
            const what = type === 'IndexStmt' ? 'CREATE INDEX CONCURRENTLY' : type === 'DropStmt' ? 'DROP INDEX CONCURRENTLY' : 'REINDEX CONCURRENTLY';
            return [{ message: `${what} in a transactional ${ctx.direction} section (add transaction:false to its marker)` }];
        },
    },
    {
        id: 'volatile-default',
        severity: 'error',
        sizeSensitive: true,
        why: 'ADD COLUMN with a volatile default (random(), clock_timestamp(), gen_random_uuid(), nextval(), a serial or identity column) rewrites the whole table under an ACCESS EXCLUSIVE lock. (A constant or stable default such as now() is stored once since PostgreSQL 11 and is fine.)',
        fix: 'Add the column without a default (or with a constant one), then SET DEFAULT for new rows, and backfill existing rows in batches in later migrations.',
        check(stmt, ctx) {
            const a = alterExisting(stmt, ctx);
            if (!a)
                return [];
            const parts = [];
            for (const { col, type, constraints: cs } of addedColumns(a.cmds)) {
                for (const c of cs) {
                    const fn = c.contype === 'CONSTR_DEFAULT' ? calledFunctions(c.raw_expr).find((f) => VOLATILE.has(f)) : undefined;
                    if (fn)
                        parts.push({ text: `${col.colname} (volatile default ${fn}())`, location: c.location ?? col.location });
                    else if (c.contype === 'CONSTR_IDENTITY')
                        parts.push({ text: `${col.colname} (an identity column)`, location: c.location ?? col.location });
                    else if (c.contype === 'CONSTR_GENERATED' && c.generated_kind !== 'v')
                        parts.push({ text: `${col.colname} (a stored generated column)`, location: c.location ?? col.location });
                }
                if (SERIAL_TYPES.has(type))
                    parts.push({ text: `${col.colname} (${type}: a nextval() default)`, location: col.location });
            }
            return joined(parts, (list) => `ADD COLUMN ${list} on existing table ${relName(a.rel)} rewrites the table`, a.table);
        },
    },
    {
        id: 'set-not-null',
        severity: 'error',
        sizeSensitive: true,
        why: 'SET NOT NULL scans the whole table to check for NULLs while holding an ACCESS EXCLUSIVE lock, blocking reads and writes.',
        fix: 'First ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID, then VALIDATE CONSTRAINT c (which does not block writes); PostgreSQL 12+ then skips the scan for SET NOT NULL, after which the CHECK can be dropped.',
        check(stmt, ctx) {
            const a = alterExisting(stmt, ctx);
            if (!a)
                return [];
            const cols = a.cmds.filter((cmd) => cmd.subtype === 'AT_SetNotNull' && !hasValidatedNotNull(ctx.state, a.table, String(cmd.name))).map((cmd) => String(cmd.name));
            if (!cols.length)
                return [];
            const check = cols.length === 1 ? `without a validated CHECK (${cols[0]} IS NOT NULL) first` : 'each without a validated CHECK (column IS NOT NULL) first';
            return [{ message: `ALTER COLUMN ${cols.join(', ')} SET NOT NULL on ${relName(a.rel)} ${check}`, table: a.table }];
        },
    },
    {
        id: 'constraint-not-valid',
        severity: 'error',
        sizeSensitive: true,
        why: 'ADD FOREIGN KEY or CHECK validates every existing row while holding locks that block writes (and, for a foreign key, the referenced table too). Adding it NOT VALID and validating it in the same transaction buys nothing: the lock of the ADD is held until commit, through the scan.',
        fix: 'ADD CONSTRAINT … NOT VALID (instant), then ALTER TABLE … VALIDATE CONSTRAINT … in a later migration; validation on its own takes only a SHARE UPDATE EXCLUSIVE lock.',
        check(stmt, ctx) {
            const a = alterExisting(stmt, ctx);
            if (!a)
                return [];
            const checked = constraints(stmt).filter(({ c }) => c.contype === 'CONSTR_FOREIGN' || c.contype === 'CONSTR_CHECK');
            const parts = checked
                .filter(({ c }) => !c.skip_validation)
                .map(({ c }) => ({ text: `${c.contype === 'CONSTR_FOREIGN' ? 'FOREIGN KEY' : 'CHECK'}${c.conname ? ` ${c.conname}` : ''}`, location: c.location }));
            // NOT VALID then VALIDATE in one transaction: the ADD's lock is held until commit, through the whole scan.
            if (ctx.transaction)
                for (const { c } of checked)
                    if (c.skip_validation && c.conname)
                        ctx.state.notValidAdded.add(`${a.table}\0${String(c.conname).toLowerCase()}`);
            const validated = ctx.transaction
                ? a.cmds.filter((cmd) => cmd.subtype === 'AT_ValidateConstraint' && ctx.state.notValidAdded.has(`${a.table}\0${String(cmd.name).toLowerCase()}`))
                : [];
            return [
                ...joined(parts, (list) => `ADD ${list} on ${relName(a.rel)} without NOT VALID`, a.table),
                ...joined(validated.map((cmd) => ({ text: String(cmd.name) })), (list) => `VALIDATE CONSTRAINT ${list} on ${relName(a.rel)} in the transaction that added it NOT VALID (its lock is held through the scan)`, a.table),
            ];
        },
    },
    {
        id: 'column-type-change',
        severity: 'error',
        sizeSensitive: true,
        why: 'ALTER COLUMN TYPE usually rewrites the table and rebuilds its indexes under an ACCESS EXCLUSIVE lock, and breaks clients that expect the old type.',
        fix: 'Add a new column of the new type, backfill it in batches, switch the application over, then drop the old column. (Widening varchar(n) or varchar→text needs no rewrite; disable the rule for that file.)',
        check(stmt, ctx) {
            const a = alterExisting(stmt, ctx);
            if (!a)
                return [];
            const parts = a.cmds.filter((cmd) => cmd.subtype === 'AT_AlterColumnType').map((cmd) => ({ text: String(cmd.name), location: field(cmd.def, 'ColumnDef')?.location }));
            return joined(parts, (list) => `ALTER COLUMN ${list} TYPE on ${relName(a.rel)}`, a.table);
        },
    },
    {
        id: 'rename',
        severity: 'error',
        why: 'Renaming a column or table breaks every running application instance that still uses the old name, between the migration and the next deploy.',
        fix: 'Add the new column (or a view/new table), write to both, backfill, move readers over, then drop the old name in a later release.',
        check(stmt, ctx) {
            const r = field(stmt, 'RenameStmt');
            if (!r || isNew(r.relation, ctx))
                return [];
            if (r.renameType === 'OBJECT_COLUMN')
                return [{ message: `RENAME COLUMN ${r.subname} TO ${r.newname} on ${relName(r.relation)}` }];
            if (r.renameType === 'OBJECT_TABLE')
                return [{ message: `RENAME TABLE ${relName(r.relation)} TO ${r.newname}` }];
            return [];
        },
    },
    {
        id: 'destructive-drop',
        severity: 'warning',
        why: 'Dropping a table or column destroys data that cannot be recovered by rolling back, and breaks code still using it.',
        fix: 'Stop using the object in a release first; drop it in a later migration, after a backup. Disable this rule for that file once this is intended.',
        check(stmt, ctx) {
            if (ctx.direction !== 'up')
                return [];
            const d = field(stmt, 'DropStmt');
            // An index holds no data (it is rebuilt from the table); how it is dropped is drop-index-not-concurrently's.
            if (d && d.removeType === 'OBJECT_TABLE') {
                const existing = (d.objects ?? []).map((o) => objectName(o, String(d.removeType))).filter((name) => !isNewName(name, ctx.state));
                return existing.length ? [{ message: dropText(d, existing) }] : [];
            }
            const a = alterExisting(stmt, ctx);
            if (!a)
                return [];
            const parts = a.cmds.filter((cmd) => cmd.subtype === 'AT_DropColumn').map((cmd) => ({ text: String(cmd.name) }));
            return joined(parts, (list) => `DROP COLUMN ${list} on ${relName(a.rel)}`);
        },
    },
    {
        id: 'down-drop-if-exists',
        severity: 'info',
        why: 'A down section whose DROP fails because the object is already gone (a partial up, a manual fix) leaves the rollback stuck halfway.',
        fix: 'Use DROP … IF EXISTS (and ALTER TABLE … DROP COLUMN IF EXISTS) in down sections.',
        check(stmt, ctx) {
            if (ctx.direction !== 'down')
                return [];
            const d = field(stmt, 'DropStmt');
            if (d && !d.missing_ok)
                return [{ message: `${dropText(d)} without IF EXISTS in the down section` }];
            const a = alterCmds(stmt);
            if (!a)
                return [];
            const parts = a.cmds.filter((cmd) => cmd.subtype === 'AT_DropColumn' && !cmd.missing_ok).map((cmd) => ({ text: String(cmd.name) }));
            return joined(parts, (list) => `DROP COLUMN ${list} without IF EXISTS in the down section`);
        },
    },
    {
        id: 'unbounded-dml',
        severity: 'error',
        why: 'TRUNCATE, or DELETE/UPDATE without WHERE, touches every row of the table in one transaction: it destroys data, holds row or table locks for the whole run, and bloats the table. (An UPDATE is judged by the table\'s size: on a small lookup table it is only reported.)',
        fix: 'Add a WHERE clause; for backfills, update in batches (WHERE id BETWEEN …) in a transaction:false migration or a separate job.',
        check(stmt, ctx) {
            const [type, n] = unwrap(stmt) ?? ['', {}];
            if (type === 'TruncateStmt') {
                const rels = (n.relations ?? []).map((r) => field(r, 'RangeVar')).filter((r) => !isNew(r, ctx));
                return rels.length ? [{ message: `TRUNCATE ${rels.map((r) => relName(r)).join(', ')}` }] : [];
            }
            if (type === 'DeleteStmt' && !n.whereClause && !isNew(n.relation, ctx))
                return [{ message: `DELETE FROM ${relName(n.relation)} without WHERE` }];
            // An UPDATE keeps the rows: its cost is locks and bloat, which a small table does not feel.
            if (type === 'UpdateStmt' && !n.whereClause && !isNew(n.relation, ctx))
                return [{ message: `UPDATE ${relName(n.relation)} without WHERE`, table: tableKey(n.relation) }];
            return [];
        },
    },
    {
        id: 'unique-constraint-without-index',
        severity: 'error',
        sizeSensitive: true,
        why: 'ADD PRIMARY KEY or UNIQUE on an existing table builds its index while holding an ACCESS EXCLUSIVE lock on the table, blocking reads and writes for the whole build (a new PRIMARY KEY also checks every row for NULLs).',
        fix: 'CREATE UNIQUE INDEX CONCURRENTLY first (in a transaction:false migration), then ADD CONSTRAINT … PRIMARY KEY / UNIQUE USING INDEX that_index.',
        check(stmt, ctx) {
            const a = alterExisting(stmt, ctx);
            if (!a)
                return [];
            const word = (c) => (c.contype === 'CONSTR_PRIMARY' ? 'PRIMARY KEY' : 'UNIQUE');
            const parts = [];
            for (const cmd of a.cmds) {
                const c = cmd.subtype === 'AT_AddConstraint' ? field(cmd.def, 'Constraint') : undefined;
                if (c && (c.contype === 'CONSTR_PRIMARY' || c.contype === 'CONSTR_UNIQUE') && !c.indexname)
                    parts.push({ text: `${word(c)}${c.conname ? ` ${c.conname}` : ''}`, location: c.location });
                for (const { col, constraints } of addedColumns([cmd])) {
                    for (const cc of constraints)
                        if (cc.contype === 'CONSTR_PRIMARY' || cc.contype === 'CONSTR_UNIQUE')
                            parts.push({ text: `COLUMN ${col.colname} ${word(cc)}`, location: cc.location });
                }
            }
            return joined(parts, (list) => `ADD ${list} on existing table ${relName(a.rel)} builds its index under an ACCESS EXCLUSIVE lock (not USING INDEX)`, a.table);
        },
    },
    {
        id: 'vacuum-full-cluster',
        severity: 'error',
        sizeSensitive: true,
        why: 'VACUUM FULL and CLUSTER rewrite the whole table under an ACCESS EXCLUSIVE lock, blocking reads and writes for the duration; VACUUM FULL cannot run in a transaction at all.',
        fix: 'Leave space reclamation to autovacuum, or use an online tool such as pg_repack outside migrations.',
        check(stmt, ctx) {
            const [type, n] = unwrap(stmt) ?? ['', {}];
            if (type === 'ClusterStmt')
                return n.relation && isNew(n.relation, ctx) ? [] : [{ message: `CLUSTER${n.relation ? ` ${relName(n.relation)}` : ''}`, ...(n.relation ? { table: tableKey(n.relation) } : {}) }];
            if (type !== 'VacuumStmt' || !isVacuumFull(n))
                return [];
            const all = (n.rels ?? []).map((r) => field(r, 'VacuumRelation')?.relation).filter((r) => !!r);
            const rels = all.filter((r) => !isNew(r, ctx));
            if (all.length && !rels.length)
                return [];
            return [{ message: `VACUUM FULL${rels.length ? ` ${rels.map(relName).join(', ')}` : ''}`, ...(rels.length ? { table: tableKey(rels[0]) } : {}) }];
        },
    },
    {
        id: 'non-idempotent-ddl',
        severity: 'warning',
        why: 'A transaction:false section is not atomic: if it fails halfway the statements already run stay applied, and re-running the migration then fails on them.',
        fix: 'Make every statement re-runnable: CREATE … IF NOT EXISTS, ADD COLUMN IF NOT EXISTS, DROP … IF EXISTS (and CREATE INDEX CONCURRENTLY IF NOT EXISTS).',
        check(stmt, ctx) {
            if (ctx.transaction)
                return [];
            const [type, n] = unwrap(stmt) ?? ['', {}];
            if ((type === 'IndexStmt' || type === 'CreateStmt' || type === 'CreateSeqStmt' || type === 'CreateSchemaStmt' || type === 'CreateExtensionStmt') && !(n.if_not_exists || n.missing_ok)) {
                const what = { IndexStmt: 'CREATE INDEX', CreateStmt: 'CREATE TABLE', CreateSeqStmt: 'CREATE SEQUENCE', CreateSchemaStmt: 'CREATE SCHEMA', CreateExtensionStmt: 'CREATE EXTENSION' }[type];
                return [{ message: `${what} without IF NOT EXISTS in a transaction:false section` }];
            }
            if (type === 'DropStmt' && !n.missing_ok)
                return [{ message: `${dropText(n)} without IF EXISTS in a transaction:false section` }];
            const a = alterCmds(stmt);
            if (!a)
                return [];
            const add = a.cmds.filter((cmd) => cmd.subtype === 'AT_AddColumn' && !cmd.missing_ok).map((cmd) => String(field(cmd.def, 'ColumnDef')?.colname ?? '?'));
            const drop = a.cmds.filter((cmd) => cmd.subtype === 'AT_DropColumn' && !cmd.missing_ok).map((cmd) => String(cmd.name));
            const said = [...(add.length ? [`ADD COLUMN ${add.join(', ')} without IF NOT EXISTS`] : []), ...(drop.length ? [`DROP COLUMN ${drop.join(', ')} without IF EXISTS`] : [])];
            return said.length ? [{ message: `${said.join(' and ')} in a transaction:false section` }] : [];
        },
    },
    {
        id: 'add-column-not-null-without-default',
        severity: 'error',
        why: 'ADD COLUMN … NOT NULL without a DEFAULT fails on a table that has any row ("column contains null values"): the migration works on an empty development database and fails in production.',
        fix: 'Add the column with a constant DEFAULT (instant since PostgreSQL 11), or add it nullable, backfill it in batches, then add a NOT VALID CHECK, VALIDATE it and SET NOT NULL.',
        check(stmt, ctx) {
            const a = alterExisting(stmt, ctx);
            if (!a)
                return [];
            const parts = [];
            for (const { col, type, constraints: cs } of addedColumns(a.cmds)) {
                const filled = SERIAL_TYPES.has(type) || cs.some((c) => c.contype === 'CONSTR_DEFAULT' || c.contype === 'CONSTR_IDENTITY' || c.contype === 'CONSTR_GENERATED');
                const notNull = cs.find((c) => c.contype === 'CONSTR_NOTNULL' || c.contype === 'CONSTR_PRIMARY');
                if (notNull && !filled)
                    parts.push({ text: String(col.colname), location: col.location });
            }
            return joined(parts, (list) => `ADD COLUMN ${list} NOT NULL without DEFAULT on existing table ${relName(a.rel)} (fails if the table has rows)`);
        },
    },
    {
        id: 'drop-index-not-concurrently',
        severity: 'warning',
        sizeSensitive: true,
        why: "DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the index's table: it waits behind every running query on the table and blocks all reads and writes while it waits. (A down section dropping an index its own up created, or an index on a table the plan created, is not reported.)",
        fix: 'Use DROP INDEX CONCURRENTLY IF EXISTS in its own migration marked `transaction:false`.',
        check(stmt, ctx) {
            const d = field(stmt, 'DropStmt');
            if (!d || d.removeType !== 'OBJECT_INDEX' || d.concurrent)
                return [];
            const hit = [];
            for (const name of dropObjects(d)) {
                const known = planIndex(name, ctx.plan);
                if (known && ctx.direction === 'up' && isNewName(known.table, ctx.state))
                    continue;
                if (known && ctx.direction === 'down' && known.file === ctx.file)
                    continue;
                hit.push({ name, ...(known ? { table: known.table } : {}) });
            }
            if (!hit.length)
                return [];
            const table = hit.find((h) => h.table)?.table;
            return [{ message: `DROP INDEX ${hit.map((h) => h.name).join(', ')} without CONCURRENTLY locks ${table ? `table ${table}` : 'its table'}`, ...(table ? { table } : {}) }];
        },
    },
    {
        id: 'reindex-not-concurrently',
        severity: 'error',
        sizeSensitive: true,
        why: 'REINDEX without CONCURRENTLY blocks writes to the table (and reads that use the index) for the whole rebuild.',
        fix: 'Use REINDEX … CONCURRENTLY (PostgreSQL 12+) in its own migration marked `transaction:false`; before 12, create a new index concurrently and drop the old one.',
        check(stmt, ctx) {
            const r = field(stmt, 'ReindexStmt');
            if (!r || isConcurrentReindex(r))
                return [];
            const kind = String(r.kind ?? '').replace(/^REINDEX_OBJECT_/, '');
            let table;
            if (kind === 'TABLE' && r.relation) {
                if (isNew(r.relation, ctx))
                    return [];
                table = tableKey(r.relation);
            }
            else if (kind === 'INDEX' && r.relation) {
                const known = planIndex(tableKey(r.relation), ctx.plan);
                if (known && isNewName(known.table, ctx.state))
                    return [];
                table = known?.table;
            }
            const what = r.relation ? relName(r.relation) : r.name ? String(r.name) : '';
            return [{ message: `REINDEX ${kind}${what ? ` ${what}` : ''} without CONCURRENTLY`, ...(table ? { table } : {}) }];
        },
    },
    {
        id: 'enum-add-value-in-transaction',
        severity: 'warning',
        why: 'Before PostgreSQL 12, ALTER TYPE … ADD VALUE cannot run inside a transaction block, and dbmate runs each section in one (warning when pg-version is below 12 or not given). On every version, a value added in a transaction cannot be used before that transaction commits ("unsafe use of new value"): using it later in the same section is an error.',
        fix: 'Put ALTER TYPE … ADD VALUE in its own migration (marked `transaction:false` before PostgreSQL 12), and use the new value only in a later migration.',
        check(stmt, ctx) {
            if (!ctx.transaction)
                return [];
            const e = field(stmt, 'AlterEnumStmt');
            if (e) {
                if (e.oldVal || (ctx.pgVersion !== undefined && ctx.pgVersion >= 12))
                    return [];
                const version = ctx.pgVersion === undefined ? 'no pg-version given' : `pg-version ${ctx.pgVersion}`;
                return [{ message: `ALTER TYPE ${names(e.typeName).join('.')} ADD VALUE '${e.newVal}' in a transactional ${ctx.direction} section (PostgreSQL before 12 refuses it; ${version})` }];
            }
            const hits = [];
            for (const s of stringConstants(stmt)) {
                const type = ctx.state.enumValues.get(s.value);
                if (type === undefined || ctx.state.enumUsesReported.has(s.value))
                    continue;
                ctx.state.enumUsesReported.add(s.value);
                hits.push({ message: `'${s.value}', added to ${type} earlier in this transaction, is used before the transaction commits (PostgreSQL refuses it)`, location: s.location, severity: 'error' });
            }
            return hits;
        },
    },
    {
        id: 'transaction-control-in-migration',
        severity: 'error',
        why: 'The runner wraps a transactional section in its own transaction: a COMMIT inside it ends that transaction early (the rest runs outside it, and the ledger row no longer commits with the change), a BEGIN only warns and a ROLLBACK undoes the migration while the run carries on.',
        fix: 'Remove BEGIN/COMMIT/ROLLBACK from the section; if the statements must run in transactions of their own, mark the section `transaction:false` and manage them there.',
        check(stmt, ctx) {
            const t = field(stmt, 'TransactionStmt');
            const word = t ? TRANSACTION_WORDS[String(t.kind)] : undefined;
            if (!ctx.transaction || !word)
                return [];
            return [{ message: `${word} in a transactional ${ctx.direction} section (the runner already wraps it in a transaction)` }];
        },
    },
    {
        id: 'set-logged-unlogged',
        severity: 'error',
        sizeSensitive: true,
        why: 'ALTER TABLE … SET LOGGED or SET UNLOGGED rewrites the whole table (and its indexes) under an ACCESS EXCLUSIVE lock, blocking reads and writes for the duration.',
        fix: 'Avoid it on a live table: create a new table with the wanted persistence, copy the rows in batches, and swap the tables in a short migration.',
        check(stmt, ctx) {
            const a = alterExisting(stmt, ctx);
            if (!a)
                return [];
            const parts = a.cmds.filter((cmd) => cmd.subtype === 'AT_SetLogged' || cmd.subtype === 'AT_SetUnLogged').map((cmd) => ({ text: cmd.subtype === 'AT_SetLogged' ? 'SET LOGGED' : 'SET UNLOGGED' }));
            return joined(parts, (list) => `${list} on existing table ${relName(a.rel)} rewrites the table`, a.table);
        },
    },
    {
        id: 'exclusion-constraint',
        severity: 'error',
        sizeSensitive: true,
        why: 'ADD CONSTRAINT … EXCLUDE builds its index and checks every row while holding an ACCESS EXCLUSIVE lock on the table; unlike UNIQUE it cannot be added USING an index built concurrently.',
        fix: 'Add the exclusion constraint when the table is created, or in a maintenance window; for a large table consider enforcing the rule in the application or with a trigger first.',
        check(stmt, ctx) {
            const a = alterExisting(stmt, ctx);
            if (!a)
                return [];
            const parts = constraints(stmt)
                .filter(({ c }) => c.contype === 'CONSTR_EXCLUSION')
                .map(({ c }) => ({ text: `${c.conname ? `CONSTRAINT ${c.conname} ` : ''}EXCLUDE`, location: c.location }));
            return joined(parts, (list) => `ADD ${list} on existing table ${relName(a.rel)} builds its index under an ACCESS EXCLUSIVE lock`, a.table);
        },
    },
    {
        id: 'foreign-key-without-index',
        severity: 'warning',
        why: 'PostgreSQL does not index the referencing columns of a foreign key: every DELETE or key UPDATE on the referenced table then scans the referencing table (under a lock), and joins on the key scan too. Reported when no index, PRIMARY KEY or UNIQUE created in the same plan starts with those columns; on an existing table, which may already have one, only as info.',
        fix: 'Create an index on the referencing columns (CREATE INDEX CONCURRENTLY … in a transaction:false migration for an existing table, or in the CREATE TABLE migration for a new one).',
        check(stmt, ctx) {
            if (ctx.direction !== 'up')
                return [];
            const state = ctx.state;
            return foreignKeys(stmt)
                .filter((fk) => fk.cols.length > 0)
                .map((fk) => {
                const existing = !fk.creates && !isNew(fk.rel, ctx);
                const table = tableKey(fk.rel);
                const what = `FOREIGN KEY${fk.name ? ` ${fk.name}` : ''} (${fk.cols.join(', ')}) on ${existing ? 'existing' : 'new'} table ${relName(fk.rel)}`;
                return {
                    message: existing ? `${what}: no index on (${fk.cols.join(', ')}) is created in this plan (check that one exists)` : `${what} has no index on (${fk.cols.join(', ')})`,
                    location: fk.location,
                    ...(existing ? { severity: 'info' } : {}),
                    unless: () => indexCovers(state, table, fk.cols),
                };
            });
        },
    },
    {
        id: 'secret-in-migration',
        severity: 'error',
        why: 'A migration file is committed, reviewed, copied into images and logs: a password or key in it is leaked to everyone who can read the repository, for good.',
        fix: 'Create the role without a password (or PASSWORD NULL) and set it out of band (psql \\password, a secrets manager); read keys from configuration, never from a migration. Rotate any secret that was committed.',
        check(stmt) {
            const found = [];
            allStrings(stmt, undefined, found);
            const [type, n] = unwrap(stmt) ?? ['', {}];
            const role = type === 'CreateRoleStmt' ? String(n.role) : type === 'AlterRoleStmt' ? String(n.role?.rolename ?? '?') : undefined;
            const parts = [];
            for (const s of found) {
                if (s.password) {
                    parts.push({ text: role ? `a PASSWORD literal for role ${role}` : 'a password option with a literal value', location: s.location });
                    continue;
                }
                const kind = SECRET_PATTERNS.find(([re]) => re.test(s.value))?.[1];
                if (kind)
                    parts.push({ text: `a string that looks like ${kind}`, location: s.location });
            }
            const unique = parts.filter((p, i) => parts.findIndex((q) => q.text === p.text) === i);
            return joined(unique, (list) => `${list} in the migration (value not shown)`);
        },
    },
    {
        id: 'grant-to-public',
        severity: 'warning',
        why: 'PUBLIC is every role of the cluster, present and future: a GRANT to PUBLIC gives access to roles nobody reviewed.',
        fix: 'Grant to a named role (an application or read-only group role) instead of PUBLIC.',
        check(stmt) {
            const g = grantOf(stmt);
            return g && grantees(g).includes('PUBLIC') ? [{ message: grantText(g) }] : [];
        },
    },
    {
        id: 'grant-all',
        severity: 'warning',
        why: 'GRANT ALL gives every privilege, including TRUNCATE, REFERENCES and TRIGGER on tables (CREATE on schemas), more than an application role needs.',
        fix: 'Grant only the privileges the role needs (e.g. SELECT, INSERT, UPDATE, DELETE).',
        check(stmt) {
            const g = grantOf(stmt);
            return g && !(g.privileges ?? []).length ? [{ message: grantText(g) }] : [];
        },
    },
    {
        id: 'lock-timeout',
        severity: 'warning',
        why: 'A statement that needs an ACCESS EXCLUSIVE lock queues behind any long-running query on the table, and every other query queues behind it: without lock_timeout one slow report can take the table offline. db-migrate already sets lock_timeout for each migration (short attempts of 50 ms growing to --lock-timeout, 400ms by default, with retries), so this is reported only when another tool (dbmate, psql) runs the SQL (lint-runner: other).',
        fix: "Start the up section with SET lock_timeout = '5s'; (SET LOCAL inside a transaction) so the statement fails fast instead of blocking traffic, and retry.",
        check(stmt, ctx) {
            if (ctx.runner !== 'other' || ctx.direction !== 'up' || ctx.state.lockTimeoutSet || ctx.state.lockTimeoutReported)
                return [];
            const target = accessExclusiveTarget(stmt, ctx);
            if (!target)
                return [];
            ctx.state.lockTimeoutReported = true;
            return [{ message: `${target} takes an ACCESS EXCLUSIVE lock and no SET lock_timeout precedes it in this section` }];
        },
    },
];
function isConcurrentReindex(r) {
    return (r.params ?? []).some((p) => field(p, 'DefElem')?.defname === 'concurrently');
}
function hasValidatedNotNull(state, table, column) {
    return keysOf(table).some((k) => state.validatedNotNull.has(`${k}\0${column}`));
}
/** Ids of all rules, plus the file-level ones reported by the lint driver. */
const RULE_IDS = [...RULES.map((r) => r.id), 'missing-down', 'parse-error'];
/** File-level rule: the down section has no statements. */
const MISSING_DOWN = {
    id: 'missing-down',
    severity: 'warning',
    why: 'Without a down section the migration cannot be rolled back: `rollback` (and the action\'s automatic rollback) would only delete the ledger row and leave the schema changed.',
    fix: 'Write the SQL that undoes the up section below `-- migrate:down` (DROP … IF EXISTS for what up creates). If it really cannot be undone, say so in a comment and disable this rule for the file.',
};
/** File-level rule: the file is not a valid dbmate migration or a section is not valid SQL. */
const PARSE_ERROR = {
    id: 'parse-error',
    severity: 'error',
    why: 'The migration fails before it changes anything: dbmate and db-migrate-action reject the file, or PostgreSQL rejects the SQL.',
    fix: 'Fix the syntax at the reported position (see the message); check the `-- migrate:up` / `-- migrate:down` markers.',
};
function addName(set, name) {
    for (const k of keysOf(name))
        set.add(k);
}
/** Record an index (or PRIMARY KEY / UNIQUE) the plan creates on `table`. */
function addIndex(state, table, cols, name, file) {
    if (cols.length) {
        for (const k of keysOf(table)) {
            const list = state.indexColumns.get(k) ?? [];
            list.push(cols);
            state.indexColumns.set(k, list);
        }
    }
    if (name) {
        const schema = table.includes('.') ? `${table.slice(0, table.lastIndexOf('.'))}.` : '';
        for (const k of keysOf(`${schema}${name}`))
            state.indexes.set(k, { table, file });
    }
}
/** Leading plain columns of an index (stops at the first expression). */
function indexColumnsOf(params) {
    const out = [];
    for (const p of (params ?? [])) {
        const e = field(p, 'IndexElem');
        if (!e?.name)
            break;
        out.push(String(e.name));
    }
    return out;
}
/** Record what a statement did that later statements depend on. Call after checking it. */
function trackStatement(stmt, state, file = '') {
    const [type, n] = unwrap(stmt) ?? ['', {}];
    if (type === 'CreateStmt' || type === 'CreateTableAsStmt' || (type === 'SelectStmt' && n.intoClause)) {
        const rel = type === 'CreateStmt' ? n.relation : type === 'SelectStmt' ? n.intoClause?.rel : (field(n.into, 'IntoClause')?.rel ?? n.into?.rel);
        if (!rel || (type === 'CreateTableAsStmt' && n.objtype && n.objtype !== 'OBJECT_TABLE' && n.objtype !== 'OBJECT_MATVIEW'))
            return;
        const table = tableKey(rel);
        addName(state.createdTables, table);
        if (type !== 'CreateStmt')
            return;
        for (const e of (n.tableElts ?? [])) {
            const col = field(e, 'ColumnDef');
            for (const c of col ? columnConstraints(col) : [])
                if (c.contype === 'CONSTR_PRIMARY' || c.contype === 'CONSTR_UNIQUE')
                    addIndex(state, table, [String(col.colname)], c.conname, file);
            const c = field(e, 'Constraint');
            if (c && (c.contype === 'CONSTR_PRIMARY' || c.contype === 'CONSTR_UNIQUE' || c.contype === 'CONSTR_EXCLUSION'))
                addIndex(state, table, c.contype === 'CONSTR_EXCLUSION' ? [] : names(c.keys), c.conname, file);
        }
    }
    else if (type === 'IndexStmt') {
        addIndex(state, tableKey(n.relation), indexColumnsOf(n.indexParams), n.idxname, file);
    }
    else if (type === 'VariableSetStmt' && n.name === 'lock_timeout') {
        state.lockTimeoutSet = true;
    }
    else if (type === 'AlterEnumStmt' && !n.oldVal && n.newVal !== undefined) {
        state.enumValues.set(String(n.newVal), names(n.typeName).join('.'));
    }
    else if (type === 'RenameStmt' && n.relation) {
        const from = tableKey(n.relation);
        const schema = n.relation.schemaname ? `${String(n.relation.schemaname).toLowerCase()}.` : '';
        const to = `${schema}${String(n.newname).toLowerCase()}`;
        if (n.renameType === 'OBJECT_TABLE' && isNewName(from, state)) {
            addName(state.createdTables, to);
            const cols = getName(state.indexColumns, from);
            if (cols)
                for (const k of keysOf(to))
                    state.indexColumns.set(k, cols);
            for (const [k, idx] of state.indexes)
                if (keysOf(from).includes(idx.table))
                    state.indexes.set(k, { ...idx, table: to });
        }
        else if (n.renameType === 'OBJECT_INDEX') {
            const idx = getName(state.indexes, from);
            if (idx)
                for (const k of keysOf(to))
                    state.indexes.set(k, idx);
        }
    }
    else if (type === 'AlterTableStmt') {
        const table = tableKey(n.relation);
        for (const c of (n.cmds ?? [])) {
            const cmd = field(c, 'AlterTableCmd');
            if (!cmd)
                continue;
            if (cmd.subtype === 'AT_AddConstraint') {
                const con = field(cmd.def, 'Constraint') ?? {};
                if (con.contype === 'CONSTR_PRIMARY' || con.contype === 'CONSTR_UNIQUE') {
                    // USING INDEX: the index's columns were recorded when it was created; it now goes by the constraint's name.
                    addIndex(state, table, con.indexname ? [] : names(con.keys), con.conname, file);
                    continue;
                }
                const col = con.contype === 'CONSTR_CHECK' ? notNullCheckColumn(con) : undefined;
                if (!col)
                    continue;
                for (const k of keysOf(table)) {
                    if (con.skip_validation)
                        state.notNullChecks.set(`${k}\0${con.conname}`, col);
                    else
                        state.validatedNotNull.add(`${k}\0${col}`);
                }
            }
            else if (cmd.subtype === 'AT_ValidateConstraint') {
                for (const k of keysOf(table)) {
                    const col = state.notNullChecks.get(`${k}\0${cmd.name}`);
                    if (col)
                        state.validatedNotNull.add(`${k}\0${col}`);
                }
            }
            else if (cmd.subtype === 'AT_AddColumn') {
                const col = field(cmd.def, 'ColumnDef');
                for (const cc of col ? columnConstraints(col) : [])
                    if (cc.contype === 'CONSTR_PRIMARY' || cc.contype === 'CONSTR_UNIQUE')
                        addIndex(state, table, [String(col.colname)], cc.conname, file);
            }
        }
    }
}

;// CONCATENATED MODULE: ./src/lint/index.ts






/** `-- db-migrate:disable rule-a, rule-b -- why` anywhere in the file (on its own line). */
const DISABLE_RE = /^[ \t]*--[ \t]*db-migrate:disable[ \t]+([^\r\n]*)$/gm;
/** `-- db-migrate:disable-next-statement rule-a -- why` on a line before a statement. */
const DISABLE_NEXT_RE = /^[ \t]*--[ \t]*db-migrate:disable-next-statement[ \t]+([^\r\n]*)$/gm;
/** `rule-a, rule-b -- why` → ids and the reason ('' when none is given). */
function parseDirective(body, into) {
    const sep = body.indexOf('--');
    const ids = (sep < 0 ? body : body.slice(0, sep)).split(/[\s,]+/).filter(Boolean);
    const reason = sep < 0 ? '' : body.slice(sep + 2).trim();
    for (const id of ids)
        if (!into.has(id) || reason)
            into.set(id, reason);
}
/** Statement-level suppressions of a file: the 1-based line of each comment, and what it suppresses. */
function nextStatementDirectives(text) {
    const out = [];
    for (const m of text.matchAll(DISABLE_NEXT_RE)) {
        const ids = new Map();
        parseDirective(m[1], ids);
        out.push({ line: text.slice(0, m.index).split('\n').length, ids });
    }
    return out;
}
/**
 * One plan being linted: the files of one run in order share the state of their up sections, and
 * checks that can only be decided at the end of the plan (a foreign key whose index a later file
 * creates) wait in `deferred` until {@link PlanLinter.finish}.
 */
class PlanLinter {
    lib;
    opts;
    plan;
    deferred = [];
    constructor(lib, opts, plan) {
        this.lib = lib;
        this.opts = opts;
        this.plan = plan;
    }
    /** Lint one file; its findings (not yet sorted) are pushed to `findings` now or at {@link finish}. */
    file(content, file, findings) {
        const text = typeof content === 'string' ? content : Buffer.from(content).toString('utf8');
        const disabled = new Set(this.opts.disabled ?? []);
        const fileWide = new Map();
        for (const m of text.matchAll(DISABLE_RE))
            parseDirective(m[1], fileWide);
        const emit = (rule, pos, message, extra = {}) => {
            if (disabled.has(rule.id))
                return;
            const hit = extra.hit;
            const reason = extra.statement?.get(rule.id) ?? fileWide.get(rule.id);
            const f = {
                rule: rule.id,
                severity: hit?.severity ?? rule.severity,
                file,
                line: pos.line,
                column: pos.column,
                message,
                why: rule.why,
                fix: rule.fix,
                direction: extra.direction ?? 'up',
                ...(hit?.table ? { table: hit.table } : {}),
                ...(reason !== undefined ? { suppressed: { reason } } : {}),
            };
            if (hit?.unless)
                this.deferred.push({ findings, finding: f, unless: hit.unless });
            else
                findings.push(f);
        };
        let parsed;
        try {
            parsed = parseMigration(content, file);
        }
        catch (e) {
            emit(PARSE_ERROR, { line: 1, column: 1 }, e.message);
            return;
        }
        const directives = nextStatementDirectives(text);
        for (const [direction, section] of [['up', parsed.up], ['down', parsed.down]]) {
            // Up sections build on the plan; a down section runs after everything, so it starts from nothing.
            const state = direction === 'up' ? newSectionState(this.plan) : newSectionState();
            const ctx = { transaction: section.transaction, direction, file, state, plan: this.plan, pgVersion: this.opts.pgVersion, runner: this.opts.runner ?? 'db-migrate' };
            const count = lintSection(this.lib, section, ctx, directives, emit);
            if (direction === 'down' && count === 0)
                emit(MISSING_DOWN, { line: section.startLine, column: 1 }, 'the down section is empty: this migration cannot be rolled back', { direction });
        }
    }
    /** Decide the deferred checks against the whole plan and add the findings that stand. */
    finish() {
        for (const d of this.deferred.splice(0))
            if (!d.unless())
                d.findings.push(d.finding);
    }
}
/** File order, then line and column. */
function byPosition(a, b) {
    return a.line - b.line || a.column - b.column;
}
/**
 * Lint migration files that form ONE plan, given in the order they run: tables and indexes created
 * by an earlier file's up section (or earlier in the same section) are new and empty, so lock,
 * rewrite and validation rules do not fire on them and dropping them loses no data. Files that
 * cannot be read reject; files that do not parse give a `parse-error` finding. Findings are sorted
 * by file order, then line and column; suppressed ones stay in the list with their reason.
 */
async function lintFiles(files, opts = {}) {
    const linter = new PlanLinter(await split_loadParser(), opts, rules_newPlanState());
    const perFile = [];
    for (const f of files) {
        const displayPath = typeof f === 'string' ? f : f.displayPath;
        const content = typeof f === 'string' ? await (0,promises_namespaceObject.readFile)(f) : (f.content ?? (await (0,promises_namespaceObject.readFile)(f.absPath ?? f.displayPath)));
        const findings = [];
        perFile.push(findings);
        linter.file(content, displayPath, findings);
    }
    linter.finish();
    return perFile.flatMap((f) => f.sort(byPosition));
}
/**
 * Lint one migration given as text or bytes. Pass `plan` (from {@link newPlanState}, shared between
 * calls, in plan order) to lint a plan file by file; without it the file is a plan of its own.
 */
async function lintSource(content, displayPath, opts = {}, plan = newPlanState()) {
    const linter = new PlanLinter(await loadParser(), opts, plan);
    const findings = [];
    linter.file(content, displayPath, findings);
    linter.finish();
    return findings.sort(byPosition);
}
/** Lint one section; returns its number of statements. */
function lintSection(lib, section, ctx, directives, emit) {
    const sql = section.sql;
    const direction = ctx.direction;
    const ascii = !/[^\x00-\x7f]/.test(sql);
    const bytes = ascii ? undefined : Buffer.from(sql, 'utf8');
    /** File position of a byte offset in the section. */
    const at = (byte) => {
        const char = bytes ? bytes.subarray(0, byte).toString('utf8').length : byte;
        const lc = lineColumn(sql, char + 1);
        return { line: section.startLine + lc.line - 1, column: lc.column };
    };
    let result;
    try {
        result = lib.parseSync(sql);
    }
    catch (err) {
        const cursor = err.sqlDetails?.cursorPosition ?? 0;
        emit(PARSE_ERROR, at(cursor), `${direction} section: ${err.message}`, { direction });
        return 1;
    }
    const stmts = result.stmts ?? [];
    let previousLine = section.startLine;
    for (const s of stmts) {
        const start = statementStart(sql, bytes, s.stmt_location ?? 0);
        const line = at(start).line;
        const statement = new Map();
        for (const d of directives)
            if (d.line >= previousLine && d.line < line)
                for (const [id, reason] of d.ids)
                    statement.set(id, reason);
        previousLine = line;
        for (const rule of RULES) {
            for (const hit of rule.check(s.stmt, ctx))
                emit(rule, at(hit.location ?? start), hit.message, { direction, hit, statement });
        }
        trackStatement(s.stmt, ctx.state, ctx.file);
    }
    return stmts.length;
}
/** Byte offset of the first token at or after `byte` (skipping whitespace and comments). */
function statementStart(sql, bytes, byte) {
    const text = bytes ? bytes.subarray(byte).toString('utf8') : sql.slice(byte);
    const i = leadingTrivia(text);
    return byte + (bytes ? Buffer.byteLength(text.slice(0, i), 'utf8') : i);
}

;// CONCATENATED MODULE: ./src/lint/judge.ts
/**
 * Lint one run's migrations as the database will see them, the same way in the action (`up`
 * preflight, `plan`, dry runs) and the CLI (`up`, `migrate`, `plan`): lint the files as one plan,
 * read the server's major and the real size of each existing table a finding names, lint again
 * for that major when it matters, then decide each size-sensitive finding by its table's size.
 */


/**
 * Lint `files` (in plan order: one plan) and, with `facts`, judge them on the database. The
 * database is read only when there is a finding: a clean plan costs no session. Reading it may
 * fail (then the findings stand as offline, with {@link PlanLint.factsError}): lint never stops a
 * run for a reason of its own.
 */
async function lintPlan(files, opts) {
    const base = { ...(opts.disabled ? { disabled: opts.disabled } : {}), ...(opts.runner ? { runner: opts.runner } : {}) };
    let pgVersion = opts.pgVersion;
    let findings = await lintFiles(files, { ...base, ...(pgVersion !== undefined ? { pgVersion } : {}) });
    if (!opts.facts || findings.length === 0)
        return { findings, ...(pgVersion !== undefined ? { pgVersion } : {}), sized: 0 };
    const tables = [...new Set(findings.flatMap((f) => (f.table !== undefined ? [f.table] : [])))];
    let facts;
    try {
        facts = await opts.facts(tables);
    }
    catch (e) {
        return { findings, ...(pgVersion !== undefined ? { pgVersion } : {}), sized: 0, factsError: e.message };
    }
    // The server's major wins over a configured one; with it, version-dependent rules may fire less.
    if (facts.serverMajor > 0 && facts.serverMajor !== pgVersion) {
        pgVersion = facts.serverMajor;
        findings = await lintFiles(files, { ...base, pgVersion });
    }
    findings = judgeBySize(findings, facts.sizes, opts.large);
    return { findings, ...(pgVersion !== undefined ? { pgVersion } : {}), sized: facts.sizes.size };
}

;// CONCATENATED MODULE: ./src/cli/commands/lint.ts









/**
 * `db-migrate-action lint [FILES...]`: lint the given files (default: every migration in the migrations
 * directories). Needs no database. Prints `file:line:column: severity rule: message` with the why
 * and the fix indented, then a summary; `--json` prints the findings array instead.
 *
 * `--pg-version` and `--lint-runner` are as the action's `pg-version` and `lint-runner`.
 *
 * @returns 1 when any finding (of any section, not suppressed) is an error, 0 otherwise
 * @throws {MigrationError} `LINT_UNKNOWN_RULE` for an unknown id in `--disable`, `LINT_FLAG_AFTER_FILES`
 *   for a flag written after the files; read errors as is
 */
async function lintCommand({ opts, io, out }) {
    const cwd = io.cwd;
    const disabled = opts.disabledRules ?? [];
    const unknown = disabled.filter((id) => id !== '' && !RULE_IDS.includes(id));
    if (unknown.length) {
        throw new errors_MigrationError('LINT_UNKNOWN_RULE', `--disable: unknown rule ${unknown.map((u) => `"${u}"`).join(', ')}`, {
            hint: `known rules: ${RULE_IDS.join(', ')}`,
        });
    }
    // Flags end at the first file, as in dbmate's urfave/cli: `lint FILE --disable x` reads
    // `--disable` as a file. Say so, instead of "no such file" for a path that was meant as a flag.
    const late = opts.args.find((p) => p.startsWith('-') && !(0,external_node_fs_.existsSync)((0,external_node_path_.isAbsolute)(p) ? p : (0,external_node_path_.join)(cwd, p)));
    if (late !== undefined) {
        throw new errors_MigrationError('LINT_FLAG_AFTER_FILES', `lint: ${late} comes after a file, where it is read as a file name, and no such file exists`, {
            hint: `put the flags before the files: db-migrate-action lint ${late} … FILES`,
        });
    }
    const files = opts.args.length
        ? opts.args.map((p) => ({ displayPath: p, absPath: (0,external_node_path_.isAbsolute)(p) ? p : (0,external_node_path_.join)(cwd, p) }))
        : await findMigrationFiles([...opts.migrationsDirs], cwd);
    // Offline: every existing table may be large (lintPlan without facts); --lint-large-table is accepted for symmetry with up and plan.
    const { findings } = await lintPlan(files, {
        disabled,
        runner: opts.lintRunner ?? 'db-migrate',
        ...(opts.pgVersion !== undefined ? { pgVersion: opts.pgVersion } : {}),
        large: opts.lintLargeTable ?? DEFAULT_LARGE_TABLE,
    });
    if (opts.json)
        out(`${JSON.stringify(findings, null, 2)}\n`);
    else
        out(formatFindings(findings, files.length));
    // Every section counts, down sections too; suppressed and info findings never fail.
    return judgeGate(findings, 'error', 'all').failing > 0 ? 1 : 0;
}
/** Human-readable findings and a summary line. */
function formatFindings(findings, fileCount) {
    let s = '';
    for (const f of findings)
        s += `${gateLine(f, 'all')}\n    why: ${f.why}\n    fix: ${f.fix}\n`;
    return `${s}${s ? '\n' : ''}Lint: ${lintTally(findings, fileCount)}\n`;
}

;// CONCATENATED MODULE: ./src/cli/commands/load.ts




/**
 * dbmate's `load`: run the schema file minus psql meta-commands (`\restrict` lines) in one batch.
 *
 * @throws {MigrationError} `SCHEMA_FILE_MISSING` when the file cannot be read; SQL errors as is
 */
async function loadCommand({ opts, target, config, io, out }) {
    // As dbmate: the file is checked before `Reading:` is printed, with Go's `stat <file>: …` message.
    const text = await (0,promises_namespaceObject.readFile)((0,external_node_path_.join)(io.cwd, opts.schemaFile), 'utf8').catch((e) => {
        const message = e.code === 'ENOENT' ? `stat ${opts.schemaFile}: no such file or directory` : `cannot read ${opts.schemaFile}: ${e.message}`;
        throw new errors_MigrationError('SCHEMA_FILE_MISSING', message, { hint: 'run `db-migrate-action dump` first, or pass --schema-file' });
    });
    out(`Reading: ${opts.schemaFile}\n`);
    const sql = text
        .split('\n')
        .filter((l) => !l.trimStart().startsWith('\\'))
        .join('\n');
    await withConnection(target, (conn) => conn.query(sql), { connectTimeoutMs: config.connectTimeoutMs });
    return 0;
}

;// CONCATENATED MODULE: ./src/cli/commands/new.ts




/** dbmate's error for `new` without a name; raised by the command, not by parsing, as in dbmate. */
const NEW_NAME_MISSING_MESSAGE = 'please specify a name for the new migration';
/**
 * `new NAME` (alias `n`): write dbmate's empty template to `<first migrations dir>/<UTC
 * timestamp>_NAME.sql`, creating the directory. Needs no database.
 *
 * @throws {MigrationError} `MIGRATION_NAME_MISSING` without a name, `MIGRATION_EXISTS` when the file exists
 */
async function newCommand({ opts, io, out }) {
    if (!opts.name)
        throw new errors_MigrationError('MIGRATION_NAME_MISSING', NEW_NAME_MISSING_MESSAGE, { hint: 'db-migrate-action new create_users' });
    const dir = opts.migrationsDirs[0];
    const display = external_node_path_.posix.join(dir, newMigrationFileName(opts.name, new Date()));
    const abs = (0,external_node_path_.join)(io.cwd, display);
    await (0,promises_namespaceObject.mkdir)((0,external_node_path_.join)(io.cwd, dir), { recursive: true });
    out(`Creating migration: ${display}\n`);
    try {
        // `wx`: never overwrite a migration written in the same second.
        await (0,promises_namespaceObject.writeFile)(abs, NEW_MIGRATION_TEMPLATE, { flag: 'wx' });
    }
    catch (e) {
        if (e.code === 'EEXIST')
            throw new errors_MigrationError('MIGRATION_EXISTS', 'file already exists', { hint: `${display} exists: wait a second or pick another name` });
        throw e;
    }
    return 0;
}

;// CONCATENATED MODULE: ./src/cli/json-error.ts
/**
 * What a failing command prints on stdout under `--json`, so a script reading stdout always gets a
 * JSON document, also when the command failed (the human message still goes to stderr and the
 * exit code is unchanged). The shape is stable:
 *
 * ```json
 * { "error": { "code": "CONNECT_FAILED", "message": "cannot connect to …", "hint": "check the host, …" } }
 * ```
 *
 * `code` is the error's stable code (`USAGE` for a command line we reject, `ENV_FILE` for an
 * unreadable env file, `ERROR` for an unexpected one), `hint` is null when there is none, and a
 * SQL failure adds its details (file, version, line, sqlstate, …) next to them. `up`, `migrate` and
 * `rollback` print their run document instead, with the same object as its `error` field.
 */


/** The `error` object for any thrown value. */
function jsonError(e, fallbackCode = 'ERROR') {
    if (e instanceof SqlMigrationError)
        return { code: e.code, message: e.message, hint: e.hint ?? null, ...e.failure };
    if (e instanceof errors_MigrationError)
        return { code: e.code, message: e.message, hint: e.hint ?? null };
    const m = e;
    return {
        code: typeof m?.code === 'string' ? m.code : fallbackCode,
        message: typeof m?.message === 'string' ? m.message : String(e),
        hint: typeof m?.hint === 'string' ? m.hint : null,
    };
}
/** The document `main` prints on stdout: `{"error": …}`, indented as every other `--json` document. */
function jsonErrorDocument(error) {
    return `${JSON.stringify({ error }, null, 2)}\n`;
}
// Errors whose command already printed a document that carries them (a failed run): main prints no second one.
const inDocument = new WeakSet();
/** Mark an error as already reported in the command's own `--json` document. */
function reportedInDocument(e) {
    if (e && typeof e === 'object')
        inDocument.add(e);
    return e;
}
/** Whether the command's own document already carries this error. */
function isReportedInDocument(e) {
    return !!e && typeof e === 'object' && inDocument.has(e);
}
/**
 * Whether the command line asks for JSON, read from the words themselves: for errors raised before
 * the options are parsed (a bad flag, an unreadable env file). Any `--json`/`-json` before `--`.
 */
function argvWantsJson(argv) {
    for (const a of argv) {
        if (a === '--')
            return false;
        const m = /^--?json(?:=(.*))?$/.exec(a);
        if (m && (m[1] === undefined || ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(m[1])))
            return true;
    }
    return false;
}

;// CONCATENATED MODULE: ./src/cli/commands/lint-preflight.ts







/**
 * Lint the migrations `up`/`migrate`/`plan` would apply, as the action does: one plan, judged on
 * the database (the server's major and the size of each existing table a finding names), each
 * finding that could stop the run (up sections; not info, not suppressed) or does, printed on stderr as
 * `Warning: <file:line:col: severity rule: message>` — the action's log line — so stdout stays
 * dbmate's. With `--lint-fail-on error|warning`, a finding in the up
 * sections at or above it throws the action's `LINT_FAILED` error (exit 2); by default nothing gates.
 *
 * @throws {MigrationError} `LINT_FAILED` under `--lint-fail-on`
 */
async function lintPending(ctx, migrations, before, opt = {}) {
    const { opts, io, log, migrator } = ctx;
    const facts = opt.facts ?? ((tables) => migrator.tableFacts(tables));
    if (migrations.length === 0)
        return;
    const files = await Promise.all(migrations.map(async (m) => ({ displayPath: m.displayPath, content: await (0,promises_namespaceObject.readFile)((0,external_node_path_.isAbsolute)(m.displayPath) ? m.displayPath : (0,external_node_path_.join)(io.cwd, m.displayPath)) })));
    const r = await lintPlan(files, { runner: 'db-migrate', large: opts.lintLargeTable ?? DEFAULT_LARGE_TABLE, ...(opt.databaseMissing ? {} : { facts }) });
    const failOn = opts.lintFailOn ?? 'none';
    // What the run executes and could stop it (up sections, neither info nor suppressed), and what
    // does stop it (an empty down section under --lint-fail-on warning). The rest (down sections,
    // info, suppressed) is only counted, so a routine `up` stays as quiet as dbmate's.
    const shown = r.findings.filter((f) => (f.direction !== 'down' && failsGate(f, 'warning', 'up')) || failsGate(f, failOn, 'up'));
    for (const f of shown)
        log.warn(gateLine(f, 'up'));
    if (r.factsError !== undefined)
        log.warn(`lint could not read table sizes, so every existing table counts as large: ${r.factsError}`);
    if (shown.length) {
        const rest = r.findings.length - shown.length;
        const more = rest ? `; ${rest} more in down sections, info or suppressed (db-migrate-action lint lists them)` : '';
        log.warn(`Lint (pending, --lint-fail-on ${failOn}${r.pgVersion !== undefined ? `, PostgreSQL ${r.pgVersion}` : ''}): ${lintTally(shown, files.length)}${more}`);
    }
    const { failing } = judgeGate(r.findings, failOn, 'up');
    if (failing > 0) {
        throw new errors_MigrationError('LINT_FAILED', lintFailedMessage(failing, failOn, r.findings, files.length, before), {
            hint: 'fix the migrations as each finding says, suppress one in the file with its reason (-- db-migrate:disable rule-id -- why), or run without --lint-fail-on',
        });
    }
}
/** The `beforeApply` hook of `up`/`migrate`: lint what is about to be applied (called only when something is pending). */
function lintBeforeApply(ctx) {
    // Sized on the run's own connection, which holds the lock: no second session.
    return (migrations, info) => lintPending(ctx, migrations, ', so nothing was applied', { facts: info.tableFacts });
}

;// CONCATENATED MODULE: ./src/cli/commands/plan.ts



const NON_ATOMIC = 'transaction:false: statements run one by one, not atomic';
/** A plan entry's SQL, ending in exactly the newline the file may lack. */
const sqlBlock = (sql) => (sql.endsWith('\n') ? sql : `${sql}\n`);
/**
 * `plan` and `up`/`migrate --dry-run`: the pending migrations with the exact SQL each would run;
 * nothing changes (not even the ledger table is created). `--json` prints the plan as is. The
 * migrations to apply are linted as `up` lints them (warnings on stderr; exit 2 with `LINT_FAILED`
 * under `--lint-fail-on`, after the plan is printed).
 */
async function planCommand(ctx) {
    const { opts, migrator, out } = ctx;
    const p = await migrator.plan({ steps: opts.steps });
    // A database that does not exist yet has no table to size: lint as offline.
    const lint = () => lintPending(ctx, p.pending, '', { databaseMissing: p.databaseMissing });
    if (opts.json) {
        // One document on stdout: a lint gate that stops the plan is its `error` field, not a second document.
        const failed = await lint().then(() => undefined, (e) => ({ e }));
        out(`${JSON.stringify(failed ? { ...p, error: jsonError(failed.e) } : p, null, 2)}\n`);
        if (failed)
            throw reportedInDocument(failed.e);
        return 0;
    }
    if (p.databaseMissing)
        out('The database does not exist yet; `up` will create it (`migrate` will not).\n');
    if (p.pending.length === 0) {
        out(`Nothing to apply: ${p.applied} applied, 0 pending (dry run, nothing changed)\n`);
        return 0;
    }
    out(`Plan: ${p.pending.length} pending migration(s); ${p.applied} already applied (dry run, nothing changed)\n`);
    for (const m of p.pending) {
        out(`\n=== ${m.displayPath} (version ${m.version}, ${m.transaction ? 'one transaction' : NON_ATOMIC})\n`);
        out(sqlBlock(m.sql));
    }
    if (!p.ledgerExists)
        out('\nThe migrations table does not exist yet; `up` will create it.\n');
    await lint();
    return 0;
}
/**
 * `rollback --dry-run`: what would be undone, newest first, with the exact down SQL; nothing changes.
 *
 * @throws {MigrationError} `NOTHING_TO_ROLLBACK` with dbmate's message when nothing is applied
 */
async function planRollbackCommand({ opts, migrator, out }) {
    const p = await migrator.planRollback({ steps: opts.steps ?? 1 });
    if (opts.json) {
        out(`${JSON.stringify(p, null, 2)}\n`);
        return 0;
    }
    if (p.targets.length === 0) {
        throw new errors_MigrationError('NOTHING_TO_ROLLBACK', "can't rollback: no migrations have been applied", { hint: 'run `status` to see what is applied' });
    }
    out(`Rollback plan: ${p.targets.length} migration(s), newest first (dry run, nothing changed)\n`);
    for (const m of p.targets) {
        const mode = m.transaction ? 'one transaction' : NON_ATOMIC;
        out(`\n=== ${m.displayPath} (version ${m.version}, ${mode}${m.empty ? '; EMPTY down section: only the ledger row would be deleted' : ''})\n`);
        out(sqlBlock(m.sql));
    }
    return 0;
}

;// CONCATENATED MODULE: ./src/engine/catalog.ts
/**
 * Whether a table exists, by its unquoted schema and name (a {@link LedgerName} or a history
 * table name). Asked before reading the ledger or the audit table, because `status`, `plan` and
 * the reports must not create them.
 */
async function tableExists(conn, name) {
    const { rowCount } = await conn.query('select 1 from information_schema.tables where table_schema = $1 and table_name = $2', [name.schema, name.table]);
    return (rowCount ?? 0) > 0;
}
/**
 * The relation named `schema.table`, whatever its kind, with its columns; `undefined` when there
 * is none. One catalog query (pg_class, not information_schema, which hides relations the user has
 * no privilege on and every relation that is not a table or a view): it replaces the existence check
 * where the ledger and the history table are read, so knowing their shape costs no round trip.
 */
async function describeRelation(conn, name) {
    const { rows } = await conn.query(`select c.relkind::text as kind, coalesce((
       select json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod), 'category', t.typcategory,
                'notNull', a.attnotnull, 'hasDefault', a.atthasdef or a.attidentity <> '' or a.attgenerated <> '') order by a.attnum)
         from pg_attribute a join pg_type t on t.oid = a.atttypid
        where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped), '[]')::text as cols
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and c.relname = $2`, [name.schema, name.table]);
    if (rows.length === 0)
        return undefined;
    return { kind: rows[0].kind, columns: JSON.parse(rows[0].cols) };
}
/** The relation kinds an INSERT can go into like a table. */
function isTableKind(kind) {
    return kind === 'r' || kind === 'p';
}
/** `a view`, `a sequence`, …: what a relation is, for messages. */
function relationKindName(kind) {
    const names = {
        r: 'a table',
        p: 'a partitioned table',
        v: 'a view',
        m: 'a materialized view',
        f: 'a foreign table',
        S: 'a sequence',
        i: 'an index',
        I: 'a partitioned index',
        c: 'a composite type',
        t: 'a TOAST table',
    };
    return names[kind] ?? `a relation of kind '${kind}'`;
}
/**
 * Bytes of heap per row assumed when a table was never analysed: a narrow row (24-byte header,
 * 4-byte line pointer, a few columns). The 100 k-row table measured for `DEFAULT_LARGE_TABLE`
 * (lint/sizes.ts) had 84 bytes of heap per row.
 */
const BYTES_PER_ROW_GUESS = 100;
/** A name as a finding gives it (`schema.name` or `name`), split; undefined when it has more parts. */
function splitName(name) {
    const parts = name.split('.');
    if (parts.length === 1)
        return { schema: null, rel: parts[0] };
    if (parts.length === 2)
        return { schema: parts[0], rel: parts[1] };
    return undefined;
}
/**
 * A `search_path` entry of the URL as the server reads it: unquoted names fold to lowercase,
 * `"Quoted"` ones keep their case, `$user` is the session's user (resolved in SQL).
 */
function pathEntry(entry) {
    const e = entry.trim();
    if (/^".*"$/.test(e))
        return e.slice(1, -1).replace(/""/g, '"');
    return e.toLowerCase();
}
/**
 * The size of each named table (`schema.name`, or a bare `name` resolved as PostgreSQL would:
 * the first schema of `searchPath` holding a relation of that name, or of the session's
 * `current_schemas(true)` when `searchPath` is empty), in ONE catalog query. Keys are the names as
 * given. Absent: names not found, and relations that are not tables or materialized views (a bare
 * name whose first match is a view is that view, as for PostgreSQL). A partitioned table sums its
 * partitions, at every level.
 *
 * Rows are `reltuples` scaled to the current number of pages (`pg_relation_size`), as the planner
 * estimates them, so a table that grew since its last ANALYZE is not judged by its old size; a table
 * never analysed (reltuples -1 since PostgreSQL 14, or no pages recorded but pages on disk) is
 * guessed from its heap size and marked `estimated`.
 */
async function readTableSizes(conn, tables, searchPath) {
    const keys = [];
    const schemas = [];
    const rels = [];
    for (const name of new Set(tables)) {
        const split = splitName(name);
        if (!split)
            continue;
        keys.push(name);
        schemas.push(split.schema);
        rels.push(split.rel);
    }
    const out = new Map();
    if (keys.length === 0)
        return out;
    const path = searchPath.length > 0 ? searchPath.map(pathEntry) : null;
    const { rows } = await conn.query(`with recursive
       wanted as (select * from unnest($1::text[], $2::text[], $3::text[]) as w(key, nsp, rel)),
       path as (
         select case when p.nsp = '$user' then current_user::text else p.nsp end as nsp, p.pos
           from unnest(coalesce($4::text[], current_schemas(true)::text[])) with ordinality as p(nsp, pos)
       ),
       found as (
         select distinct on (w.key) w.key, c.oid, c.relkind
           from wanted w
           join pg_class c on c.relname = w.rel
           join pg_namespace n on n.oid = c.relnamespace
           left join path p on w.nsp is null and p.nsp = n.nspname
          where n.nspname = w.nsp or p.pos is not null
          order by w.key, p.pos
       ),
       tree as (
         select f.key, f.oid from found f where f.relkind in ('r', 'p', 'm')
         union all
         select t.key, i.inhrelid from tree t join pg_inherits i on i.inhparent = t.oid join pg_class c on c.oid = i.inhrelid and c.relispartition
       ),
       leaf as (
         select t.key, c.relkind, c.reltuples::float8 as reltuples, c.relpages::float8 as relpages,
                pg_relation_size(c.oid)::float8 as heap, pg_total_relation_size(c.oid) as total,
                current_setting('block_size')::float8 as block
           from tree t join pg_class c on c.oid = t.oid
       )
     select key,
            sum(case
                  when relkind = 'p' then 0
                  when reltuples >= 0 and relpages > 0 then reltuples / relpages * (heap / block)
                  when heap = 0 then 0
                  else greatest(reltuples, heap / $5)
                end)::float8 as rows,
            sum(total)::text as bytes,
            bool_or(relkind <> 'p' and heap > 0 and (reltuples < 0 or relpages = 0)) as estimated
       from leaf group by key`, [keys, schemas, rels, path, BYTES_PER_ROW_GUESS]);
    for (const r of rows) {
        out.set(r.key, { rows: Math.round(Number(r.rows)), bytes: Number(r.bytes), ...(r.estimated ? { estimated: true } : {}) });
    }
    return out;
}

;// CONCATENATED MODULE: ./src/engine/vocabulary.ts
/**
 * The words for how things ended, in one place: the action's `status` output, the outcome of a
 * recorded run as reports show it, the outcome of one step (one migration's up or down) as the
 * engine reports it and the history table records it, and the status of one file in a run's
 * table. Outputs, history rows, reports, the HTML page and job summaries all take their outcome
 * words from here (`__tests__/outcome-vocabulary.test.ts` checks it), so one run is never
 * `rolled-back` in one place and `failed`, `rolled_back` or `rollback` in another.
 */
/**
 * Values of the action's `status` output, a public contract: workflows test them, so none is
 * ever renamed. `cancelled`: the job was cancelled (SIGINT/SIGTERM) and the run stopped early;
 * see `docs/RELIABILITY.md`.
 */
const RUN_STATUSES = (/* unused pure expression or super */ null && (['success', 'failed', 'rolled-back', 'dry-run', 'nothing-to-do', 'cancelled']));
/**
 * How a run that recorded history ended: the statuses of runs that ran a migration (a dry run and
 * a run with nothing to do record nothing). `rolled-back`: a migration or a health check failed
 * and the automatic rollback undid every migration the run had applied; `failed` covers a
 * rollback that stopped early. A deliberate `rollback` has no word of its own: it is a run of kind
 * `rollback` that ended `success` (or `failed`, `cancelled`).
 */
const RUN_OUTCOMES = ['success', 'failed', 'rolled-back', 'cancelled'];
/** What a recorded run did: `up` (its automatic rollback included), or a deliberate `rollback`. */
const RUN_KINDS = (/* unused pure expression or super */ null && (['up', 'rollback']));
/**
 * History rows that are not steps of a run: `verify`'s proofs (`verified`) and `baseline`'s
 * records (`baselined`: nothing ran). Reports leave them out of runs, durations and success rates.
 */
const NOT_RUN_STEP_OUTCOMES = ['verified', 'baselined'];
/** Whether a stored outcome is one of {@link NOT_RUN_STEP_OUTCOMES}. */
function vocabulary_isNotRunOutcome(stored) {
    return NOT_RUN_STEP_OUTCOMES.includes(stored);
}
/** Whether a status is one a recorded run can end with (and so one its history rows may carry). */
function isRunOutcome(status) {
    return RUN_OUTCOMES.includes(status);
}
/**
 * Outcome of one step: `applied` (an up section), `rolled-back` (a down section), `failed`,
 * `cancelled` (the job was cancelled while it ran and its statement was cancelled: nothing of a
 * transactional section remains), `verified` (only in the history table: `verify` proved on a
 * scratch database that this file's down section undoes its up; nothing ran on this database) and
 * `baselined` (only in the history table: `baseline` recorded the version as applied without
 * running its SQL, because the database already had its schema).
 */
const STEP_OUTCOMES = ['applied', 'failed', 'rolled-back', 'verified', 'cancelled', 'baselined'];
/** Outcomes of a step the engine ran on this database: all of {@link STEP_OUTCOMES} but `verified` and `baselined`. */
const RAN_STEP_OUTCOMES = ['applied', 'rolled-back', 'failed', 'cancelled'];
/**
 * Words older versions wrote into the history table, with the word each means now. Their rows
 * keep them (an audit trail is never rewritten), the table's check constraint keeps accepting
 * them (an older version of the tool may still be writing), and every reader turns them into the
 * current word.
 */
const LEGACY_STEP_OUTCOMES = Object.freeze({ rolled_back: 'rolled-back' });
/** Every word the history table's `outcome` column may hold: the current ones, then the legacy ones. */
const STORED_STEP_OUTCOMES = Object.freeze([...STEP_OUTCOMES, ...Object.keys(LEGACY_STEP_OUTCOMES)]);
/**
 * A stored outcome in the current word (`rolled_back` → `rolled-back`). A word this version does
 * not know (written by a newer one) is kept as it is rather than guessed at.
 */
function stepOutcome(stored) {
    return LEGACY_STEP_OUTCOMES[stored] ?? stored;
}
/** The stored spellings of a step outcome (the word and its legacy forms), for SQL that matches on the column. */
function storedSpellings(outcome) {
    return [outcome, ...Object.keys(LEGACY_STEP_OUTCOMES).filter((w) => LEGACY_STEP_OUTCOMES[w] === outcome)];
}
/**
 * Status of one migration file in a run's table (the summary's rows, the `report` output's
 * `rows`): the step outcomes of the migrations the run ran, then the words of plans and `status`.
 * - `applied`: `up` applied it in this run; in `status`, it is in the ledger;
 * - `rolled-back`: `rollback` (or the automatic rollback) undid it in this run;
 * - `failed`: its SQL failed, and the run stopped there;
 * - `cancelled`: the job was cancelled while it ran (a transactional one left nothing);
 * - `rollback-failed`: the automatic rollback ran its down section, which failed: it is still applied;
 * - `unknown`: its connection was lost and what happened to it could not be established (see the run's error);
 * - `pending`: not in the ledger, and not touched by this run;
 * - `would-apply` / `would-roll-back`: dry run, what `up` / `rollback` would do to it;
 * - `edited`: applied, but the file changed since (its checksum differs from the history table's);
 * - `no-file`: in the ledger, with no file (dbmate ignores such versions);
 * - `baselined` / `would-baseline`: `baseline` recorded it as applied without running its SQL
 *   (dry run: would), as its history row says.
 */
const ROW_STATUSES = [
    ...RAN_STEP_OUTCOMES,
    'baselined',
    'would-baseline',
    'rollback-failed',
    'unknown',
    'pending',
    'would-apply',
    'would-roll-back',
    'edited',
    'no-file',
];
/** A run outcome in words for people (a table cell, a tooltip, a sentence). */
const RUN_OUTCOME_LABELS = Object.freeze({
    success: 'success',
    failed: 'failed',
    'rolled-back': 'rolled back',
    cancelled: 'cancelled',
});
/**
 * A run's outcome in words, naming the kind when it was a deliberate rollback: `success`,
 * `rolled back`, `success (rollback)`, `failed (rollback)`.
 */
function vocabulary_runOutcomeLabel(run) {
    const words = RUN_OUTCOME_LABELS[run.outcome];
    return run.kind === 'rollback' ? `${words} (rollback)` : words;
}

;// CONCATENATED MODULE: ./src/engine/history.ts







/**
 * The history table lives beside the ledger so both move together when a schema is chosen.
 *
 * @throws {MigrationError} `TABLE_NAME_INVALID` for a name outside the rule of `identifiers.ts`, or the ledger's own name
 */
function historyName(ledger, table) {
    const problem = tableNameProblem(table, { qualified: false }) ?? (table === ledger.table ? SAME_TABLE_PROBLEM : undefined);
    if (problem) {
        throw new errors_MigrationError('TABLE_NAME_INVALID', `invalid history table name '${table}': ${problem}`, {
            hint: `expected ${HISTORY_TABLE_FORMAT} (history-table, --history-table)`,
        });
    }
    return { schema: ledger.schema, table, quoted: `${ledger.quotedSchema}.${quoteIdent(table)}` };
}
/** The audit table as configured: `table` empty means the history table is disabled. */
function configuredHistory(ledger, table) {
    return table ? historyName(ledger, table) : undefined;
}
function quoteIdent(id) {
    return /^[a-z_][a-z0-9_$]*$/.test(id) ? id : `"${id.replace(/"/g, '""')}"`;
}
/**
 * Columns added after the first release, with their types, oldest first: {@link historyDdl} adds
 * any a table lacks. `run_status` and `run_duration_ms` are the run's own `status` and duration,
 * written on all of its rows once it ended ({@link recordRunOutcome}); null on rows of older
 * versions, of the CLI, and of runs whose outcome could not be written.
 */
const ADDED_COLUMNS = [
    ['invocation_id', 'text'],
    ['run_status', 'text'],
    ['run_duration_ms', 'double precision'],
];
/**
 * DDL of the audit table. An identity column (not bigserial) keeps its sequence inside the table
 * definition, so excluding the table from schema dumps excludes all of it.
 *
 * Tables created by older versions (lacking a column of {@link ADDED_COLUMNS}, or with a check
 * constraint that lacks a word of {@link STORED_STEP_OUTCOMES}) are brought up to date in the same
 * round trip; the catalog checks come first so an up-to-date table is never ALTERed (that would
 * take an ACCESS EXCLUSIVE lock on every run). The new constraint keeps the legacy words, so the
 * rows already written stay valid as they are and older versions of the tool can still write.
 * The index of {@link CHECKSUM_INDEX} is added the same way, once.
 */
function historyDdl(name) {
    const outcomes = STORED_STEP_OUTCOMES.map((o) => literal(o)).join(', ');
    const table = literal(name.quoted);
    // Each word as pg_get_constraintdef shows it ('rolled-back'::text), `_` escaped: `rolled_back` must not match `rolled-back`.
    const everyWord = STORED_STEP_OUTCOMES.map((o) => literal(`%${literal(o).replace(/[\\%_]/g, '\\$&')}%`)).join(', ');
    const addColumns = ADDED_COLUMNS.map(([column, type]) => `  if not exists (select 1 from pg_attribute where attrelid = ${table}::regclass and attname = ${literal(column)} and not attisdropped) then
    alter table ${name.quoted} add column ${column} ${type};
  end if;`).join('\n');
    return `${createDdl(name, outcomes)};
do $db_migrate$ declare c record; begin
${addColumns}
  if not exists (select 1 from pg_constraint where conrelid = ${table}::regclass and contype = 'c' and pg_get_constraintdef(oid) like all (array[${everyWord}])) then
    -- The old check constraint's name was chosen by the server (and truncated for long names): find it.
    for c in select conname from pg_constraint where conrelid = ${table}::regclass and contype = 'c' and pg_get_constraintdef(oid) like '%outcome%' loop
      execute format('alter table %s drop constraint %I', ${table}, c.conname);
    end loop;
    alter table ${name.quoted} add check (outcome in (${outcomes}));
  end if;
  -- Looked up by definition, not by name: the server names it, truncating long table names.
  if not exists (select 1 from pg_index where indrelid = ${table}::regclass and pg_get_indexdef(indexrelid) like ${literal(`% USING btree (${CHECKSUM_INDEX.columns}) WHERE %`)}) then
    -- A plain (not CONCURRENTLY) build, inside this transaction: on a large table of an older
    -- version it blocks writes to the history table while it runs, and only this tool writes
    -- there, under the advisory lock; readers (report, history) are not blocked.
    create index on ${name.quoted} (${CHECKSUM_INDEX.columns}) where ${CHECKSUM_INDEX.where};
  end if;
end $db_migrate$`;
}
/**
 * The rows {@link editedVersions} reads: the successful `up` (or `baseline`) of a version, newest
 * last. Partial, so it holds only those rows, and ordered by id within a version, so the last one
 * is found without sorting a version's rows (or, for many versions, the table's).
 */
const CHECKSUM_INDEX = {
    columns: 'version, id',
    where: `direction = 'up' and outcome in ('applied', 'baselined') and checksum is not null`,
};
function createDdl(name, outcomes) {
    return `create table if not exists ${name.quoted} (
  id bigint generated always as identity primary key,
  version varchar not null,
  direction text not null check (direction in ('up', 'down')),
  outcome text not null check (outcome in (${outcomes})),
  file_name text,
  checksum text,
  started_at timestamptz not null,
  finished_at timestamptz not null,
  duration_ms double precision not null,
  environment text,
  actor text,
  git_sha text,
  run_id text,
  run_url text,
  tool_version text,
  sqlstate text,
  error text,
${ADDED_COLUMNS.map(([column, type]) => `  ${column} ${type}`).join(',\n')}
)`;
}
/**
 * An INSERT for one history row, as literal SQL: it is appended to the migration's own
 * simple-protocol batch so the audit row commits atomically with the migration.
 */
function historyInsertSql(name, e, ctx) {
    const timing = e.startedAt && e.durationMs !== undefined
        ? `${literal(e.startedAt.toISOString())}::timestamptz, ${literal(new Date(e.startedAt.getTime() + e.durationMs).toISOString())}::timestamptz, ${e.durationMs}`
        : `now(), clock_timestamp(), extract(epoch from clock_timestamp() - now()) * 1000`;
    return (`insert into ${name.quoted} (version, direction, outcome, file_name, checksum, started_at, finished_at, duration_ms, ` +
        `environment, actor, git_sha, run_id, run_url, tool_version, sqlstate, error, invocation_id) values (` +
        [literal(e.version), literal(e.direction), literal(e.outcome), literal(e.fileName), literal(e.checksum)].join(', ') +
        `, ${timing}, ` +
        [ctx.environment, ctx.actor, ctx.gitSha, ctx.runId, ctx.runUrl, ctx.toolVersion, e.sqlstate, e.error, ctx.invocationId]
            .map((v) => literal(v))
            .join(', ') +
        ')');
}
/** Record a row on its own (used for failures, after the migration's transaction rolled back). */
async function recordHistory(conn, name, e, ctx) {
    await conn.query(historyInsertSql(name, e, ctx));
}
/** How long the outcome's UPDATE may wait for a lock or run: it reports a run that is over, and must never hold up its end. */
const OUTCOME_STATEMENT_TIMEOUT_MS = 5000;
/**
 * Write the run's status and duration on every history row of one invocation (`invocation_id`),
 * once the run's outcome is decided: reports then show the run exactly as its outputs did. One
 * transaction in one round trip (a transaction pooler keeps it on one server connection), waiting
 * at most `lockTimeoutMs` for a lock. Returns the rows updated.
 */
async function recordRunOutcome(conn, name, invocationId, o, lockTimeoutMs) {
    const update = `update ${name.quoted} set run_status = ${literal(o.status)}, run_duration_ms = ${Number(o.durationMs)} where invocation_id = ${literal(invocationId)}`;
    const sql = `BEGIN;SET LOCAL lock_timeout = ${Math.max(1, Math.round(lockTimeoutMs))};SET LOCAL statement_timeout = ${OUTCOME_STATEMENT_TIMEOUT_MS};${update};COMMIT`;
    // Several statements in one simple query: the driver answers with one result per statement.
    const results = (await conn.query(sql));
    return results.find((r) => r.command === 'UPDATE')?.rowCount ?? 0;
}
/**
 * Columns every version of the history table has had: {@link historyDdl} adds the newer ones
 * ({@link ADDED_COLUMNS}) to an older table, and refuses to touch a table that lacks these.
 */
const HISTORY_COLUMNS = [
    'version', 'direction', 'outcome', 'file_name', 'checksum', 'started_at', 'finished_at', 'duration_ms',
    'environment', 'actor', 'git_sha', 'run_id', 'run_url', 'tool_version', 'sqlstate', 'error',
];
/**
 * Whether the history table exists, after checking that it is ours (one catalog query, in place
 * of the existence check): a table of that name made by someone else is never altered or written.
 *
 * @throws {MigrationError} `HISTORY_FOREIGN` naming the table and what it lacks
 */
async function checkHistory(conn, name) {
    const shape = await describeRelation(conn, name);
    if (!shape)
        return false;
    const have = new Set(shape.columns.map((c) => c.name));
    const missing = HISTORY_COLUMNS.filter((c) => !have.has(c));
    const why = !isTableKind(shape.kind)
        ? `it is ${relationKindName(shape.kind)}, not a table`
        : missing.length > 0
            ? `it has no ${missing.length > 1 ? 'columns' : 'column'} ${missing.join(', ')} (columns: ${shape.columns.map((c) => c.name).join(', ') || 'none'})`
            : undefined;
    if (why === undefined)
        return true;
    throw new errors_MigrationError('HISTORY_FOREIGN', `${name.quoted} is not db-migrate-action's history table: ${why}`, {
        hint: 'give the history table another name with history-table (action input) or --history-table (CLI), ' +
            'or disable it with an empty value; nothing was changed',
    });
}
/**
 * Below this many applied files, their checksums are looked up one version at a time through the
 * index (cost grows with the files, not with the history: about 2 ms for 1000 versions in a
 * 500 000-row table); above it, one sequential pass over the successful ups is cheaper than
 * as many look-ups or a scan of the index in version order (docs/PERFORMANCE.md).
 */
const PER_VERSION_LOOKUPS = 5000;
/**
 * Checksum of the last successful `up` (or `baseline`) of each of `versions` that has one: what
 * the file looked like when applied. `perVersionLookups` is {@link PER_VERSION_LOOKUPS} but in
 * tests, which check that both ways give the same answer.
 */
async function appliedChecksums(conn, name, versions, perVersionLookups = PER_VERSION_LOOKUPS) {
    // The table is checked even with nothing applied: a foreign table there is refused on every run.
    if (!(await checkHistory(conn, name)) || versions.length === 0)
        return new Map();
    const only = versions.length <= perVersionLookups;
    // The same predicate as the index's, word for word, so the planner can use it for the look-ups.
    // One JSON object rather than a row per version: per-row parsing dominated large `status` runs.
    // For every version, one pass in id order is cheaper than DISTINCT ON's sort by version: the
    // object repeats a version once per successful up, and JSON.parse keeps the last, the newest.
    const { rows } = await conn.query(only
        ? `select coalesce(json_object_agg(version, checksum), '{}')::text as sums from (
           select distinct on (version) version, checksum from ${name.quoted}
            where version = any($1::text[]) and ${CHECKSUM_INDEX.where} order by version, id desc) last`
        : `select coalesce(json_object_agg(version, checksum order by id), '{}')::text as sums from ${name.quoted} where ${CHECKSUM_INDEX.where}`, only ? [versions] : []);
    // The pass over every version may answer for versions not asked for: keep only those asked.
    const found = JSON.parse(rows[0].sums);
    const sums = new Map();
    for (const v of versions)
        if (Object.hasOwn(found, v))
            sums.set(v, found[v]);
    return sums;
}
/**
 * Versions of the applied files whose bytes changed since they were applied (their checksum
 * differs from the one of their last successful `up` in the history table), sorted. None
 * without a history table.
 */
async function editedVersions(conn, history, plan) {
    if (!history)
        return [];
    const sums = await appliedChecksums(conn, history, plan.files.filter((r) => r.applied).map((r) => r.file.version));
    if (sums.size === 0)
        return [];
    // Synchronous reads on purpose: for thousands of small files, fs/promises costs four thread-pool
    // round trips and a promise per file, about ten times the time of readFileSync.
    return plan.files
        .filter((r) => r.applied && sums.has(r.file.version))
        .filter(({ file }) => checksumOf((0,external_node_fs_.readFileSync)(file.absPath)) !== sums.get(file.version))
        .map(({ file }) => file.version)
        .sort();
}
/**
 * The one warning about an applied file whose bytes changed since it was applied (its checksum
 * differs from the history table's): the engine logs it during `up`, the CLI's `status` and the
 * action's summary use the same words. `file` is the path or name as the caller shows files.
 */
function editedWarning(file) {
    return `${file} was edited after it was applied (its checksum differs from the one recorded in the history table)`;
}

;// CONCATENATED MODULE: ./src/engine/ledger.ts



/**
 * Resolve the ledger's schema the way dbmate does: `schema.table` in the name, else the first
 * `search_path` entry of the URL, else `current_schema()`, else `public`. Quoting is done by the
 * server so the names match what dbmate writes into schema.sql byte for byte.
 */
async function resolveLedgerName(conn, migrationsTable, searchPath) {
    const problem = tableNameProblem(migrationsTable, { qualified: true });
    if (problem) {
        throw new errors_MigrationError('TABLE_NAME_INVALID', `invalid migrations table name '${migrationsTable}': ${problem}`, {
            hint: `expected ${MIGRATIONS_TABLE_FORMAT} (migrations-table, --migrations-table, DBMATE_MIGRATIONS_TABLE)`,
        });
    }
    let parts = migrationsTable.split('.');
    let schema = '';
    if (parts.length > 1) {
        schema = parts[0];
        parts = parts.slice(1);
    }
    if (!schema)
        schema = (searchPath[0] ?? '').trim();
    const table = parts.join('.');
    const { rows } = await conn.query('select current_schema() as cur, quote_ident($1) as qs, array(select quote_ident(unnest($2::text[]))) as qt', [schema || 'public', parts]);
    if (!schema) {
        schema = rows[0].cur || 'public';
        const again = await conn.query('select quote_ident($1) as qs', [schema]);
        rows[0].qs = again.rows[0].qs;
    }
    return { schema, table, quotedSchema: rows[0].qs, quoted: `${rows[0].qs}.${rows[0].qt.join('.')}` };
}
/**
 * Create the ledger if missing, with dbmate's exact DDL so either tool can continue the other's
 * work. A missing schema (3F000) is created once, as dbmate does, announced with its line. An
 * existing table is checked first ({@link checkLedger}): another tool's table is refused, never
 * written to.
 */
async function ensureLedger(conn, name, log) {
    if (await checkLedger(conn, name))
        return;
    // `if not exists` still: dump runs without the advisory lock, so another run may create it first.
    const ddl = `create table if not exists ${name.quoted} (version varchar primary key)`;
    try {
        await conn.query(ddl);
    }
    catch (err) {
        if (err.code !== '3F000')
            throw err;
        log.info(`Creating schema: ${name.schema}`);
        await conn.query(`create schema if not exists ${name.quotedSchema}`);
        await conn.query(ddl);
    }
}
/**
 * Applied versions, or an empty set when the ledger does not exist yet.
 *
 * @throws {MigrationError} `LEDGER_FOREIGN` when the table is not a dbmate ledger
 */
async function appliedVersions(conn, name) {
    if (!(await checkLedger(conn, name)))
        return new Set();
    return readAppliedVersions(conn, name);
}
/** The ledger's versions, for a caller that has just {@link checkLedger checked} that it exists and is usable. */
async function readAppliedVersions(conn, name) {
    // One JSON value instead of one row per version: node-postgres's per-row parsing dominated
    // `status` on large projects.
    const { rows } = await conn.query(`select coalesce(json_agg(version), '[]')::text as v from ${name.quoted}`);
    return new Set(JSON.parse(rows[0].v));
}
/**
 * Whether the ledger exists, after checking that it is one: one catalog query, the same cost as
 * the existence check it replaces. dbmate needs a table with a text-like `version` column that an
 * `insert (version)` can fill, so every other column must be nullable or have a default (Rails'
 * `schema_migrations`, which dbmate shares, qualifies).
 *
 * @returns false when no relation has the ledger's name
 * @throws {MigrationError} `LEDGER_FOREIGN` naming the table, the tool it looks like and what to do
 */
async function checkLedger(conn, name) {
    const shape = await describeRelation(conn, name);
    if (!shape)
        return false;
    const why = ledgerShapeProblem(shape);
    if (why === undefined)
        return true;
    const tool = foreignTool(shape);
    const looks = tool ? `it looks like ${tool}'s migrations table (${columnList(shape.columns)})` : why;
    throw new errors_MigrationError('LEDGER_FOREIGN', `${name.quoted} is not a dbmate ledger: ${looks}`, {
        hint: `dbmate records applied migrations in a table with a text version column (it creates version varchar primary key). ` +
            `Give dbmate's ledger a name of its own with migrations-table (action input), --migrations-table or DBMATE_MIGRATIONS_TABLE (CLI), ` +
            `e.g. dbmate_migrations${tool ? `, or move ${tool}'s history out of ${name.quoted} first (one row per applied version in a dbmate ledger)` : ''}; ` +
            'nothing was changed',
    });
}
/** Why a relation cannot serve as dbmate's ledger; `undefined` when it can. */
function ledgerShapeProblem(shape) {
    if (!isTableKind(shape.kind))
        return `it is ${relationKindName(shape.kind)}, not a table`;
    const version = shape.columns.find((c) => c.name === 'version');
    if (!version)
        return `it has no version column (columns: ${columnList(shape.columns) || 'none'})`;
    if (version.category !== 'S')
        return `its version column is ${version.type}, not text (columns: ${columnList(shape.columns)})`;
    const required = shape.columns.filter((c) => c.name !== 'version' && c.notNull && !c.hasDefault);
    if (required.length > 0) {
        const names = required.map((c) => c.name).join(', ');
        return `${required.length > 1 ? 'columns' : 'column'} ${names} ${required.length > 1 ? 'are' : 'is'} NOT NULL without a default, so dbmate cannot insert a version (columns: ${columnList(shape.columns)})`;
    }
    return undefined;
}
/**
 * Other migration tools' tables, by the columns that give them away. Only consulted for a table
 * dbmate cannot use: one it can (Rails', diesel's) is shared as dbmate shares it.
 */
const FOREIGN_TOOLS = [
    { tool: 'golang-migrate', columns: ['version', 'dirty'] },
    { tool: 'Ecto (Phoenix)', columns: ['version', 'inserted_at'] },
    { tool: 'sqlx', columns: ['version', 'success', 'checksum'] },
    { tool: 'goose', columns: ['version_id', 'is_applied'] },
    { tool: 'Flyway', columns: ['installed_rank', 'success'] },
    { tool: 'Liquibase', columns: ['author', 'filename', 'dateexecuted'] },
    { tool: 'Sequel', columns: ['filename'] },
    { tool: 'Alembic', columns: ['version_num'] },
    { tool: 'Prisma', columns: ['migration_name', 'checksum'] },
    { tool: 'Knex', columns: ['name', 'batch', 'migration_time'] },
    { tool: 'Django', columns: ['app', 'name', 'applied'] },
    { tool: 'TypeORM', columns: ['timestamp', 'name'] },
    { tool: 'node-pg-migrate', columns: ['name', 'run_on'] },
    { tool: 'diesel', columns: ['version', 'run_on'] },
];
/** The tool whose migrations table has these columns, if one is known. */
function foreignTool(shape) {
    if (!isTableKind(shape.kind))
        return undefined;
    const names = new Set(shape.columns.map((c) => c.name));
    return FOREIGN_TOOLS.find((t) => t.columns.every((c) => names.has(c)))?.tool;
}
function columnList(columns) {
    return columns.map((c) => `${c.name} ${c.type}`).join(', ');
}

;// CONCATENATED MODULE: ./src/metrics/coverage.ts




/**
 * How reversible the migration files are: which have a down section with a statement in it, and
 * which of those were proven (by `verify`, or by a rollback that ran) in their current form —
 * a proof recorded for an older version of a file does not count for the edited one.
 */
async function migrationCoverage(dirs, cwd, proofs) {
    const files = await findMigrationFiles(dirs, cwd);
    const out = { migrations: files.length, withDown: 0, withoutDown: [], verified: 0, downExercised: 0, unreadable: [] };
    for (const f of files) {
        let parsed;
        try {
            parsed = parseMigration(await (0,promises_namespaceObject.readFile)(f.absPath), f.displayPath);
        }
        catch {
            out.unreadable.push(f.displayPath);
            continue;
        }
        if (await isEmptySection(parsed.down)) {
            out.withoutDown.push(f.version);
            continue;
        }
        out.withDown++;
        if (proofs.verified.has(parsed.checksum))
            out.verified++;
        if (proofs.exercised.has(parsed.checksum))
            out.downExercised++;
    }
    return out;
}

;// CONCATENATED MODULE: ./src/metrics/history-read.ts


/** Label of rows written without an environment. */
const history_read_UNSPECIFIED_ENVIRONMENT = 'unspecified';
/**
 * A run's key: the invocation id; for rows written before that column existed, the CI run id and
 * environment; else the row on its own.
 */
function history_read_runKey(r) {
    if (r.invocationId !== null)
        return r.invocationId;
    if (r.runId !== null)
        return `run:${r.runId}:${r.environment ?? ''}`;
    return `row:${r.id}`;
}
/**
 * Rows of the audit table, newest first, their outcomes in the current words; null when the table
 * does not exist (never created here: reading history must not change the database). Tables from
 * before a column (`invocation_id`, `run_status`, `run_duration_ms`) read as if every row had a
 * null one.
 */
async function readHistory(conn, name, q = {}) {
    const source = await historySource(conn, name);
    if (source === null)
        return null;
    const { where, values } = filters(q);
    const limit = q.limit !== undefined ? ` limit ${Math.max(0, Math.floor(q.limit))}` : '';
    const { rows } = await conn.query(`select * from ${source} h${where} order by id desc${limit}`, values);
    return rows.map(record);
}
/** How many rows {@link readRecentRuns} reads at most: enough for ten runs of ordinary size. */
const RECENT_ROWS = 1000;
/**
 * The rows of the newest `runs` runs of one environment (every row of each run), newest first;
 * null when the table does not exist. Reads at most {@link RECENT_ROWS} rows, newest first along
 * the primary key, so the cost does not grow with the table's history (every `up` pays it). When
 * the limit cuts the oldest run short, that run is left out rather than shown incomplete.
 */
async function history_read_readRecentRuns(conn, name, environment, runs) {
    const rows = await readHistory(conn, name, { environment, runsOnly: true, limit: RECENT_ROWS });
    if (rows === null)
        return null;
    const keys = [];
    for (const r of rows) {
        const k = history_read_runKey(r);
        if (keys.at(-1) !== k && !keys.includes(k))
            keys.push(k);
    }
    if (rows.length === RECENT_ROWS && keys.length > 1)
        keys.splice(keys.indexOf(history_read_runKey(rows.at(-1))), 1);
    const keep = new Set(keys.slice(0, Math.max(0, Math.floor(runs))));
    return rows.filter((r) => keep.has(history_read_runKey(r)));
}
/** Columns newer than the first release, which {@link historySource} reads as null on a table that lacks them. */
const NEWER_COLUMNS = { invocation_id: 'text', run_status: 'text', run_duration_ms: 'double precision' };
/** The table as a subquery with every column this version reads, or null when it is missing. */
async function historySource(conn, name) {
    if (!(await tableExists(conn, name)))
        return null;
    const { rows } = await conn.query(`select column_name from information_schema.columns where table_schema = $1 and table_name = $2 and column_name = any($3)`, [name.schema, name.table, Object.keys(NEWER_COLUMNS)]);
    const have = new Set(rows.map((r) => r.column_name));
    const missing = Object.entries(NEWER_COLUMNS).filter(([c]) => !have.has(c));
    return missing.length === 0 ? name.quoted : `(select *, ${missing.map(([c, type]) => `null::${type} as ${c}`).join(', ')} from ${name.quoted})`;
}
/** The WHERE clause (empty, or starting with ` where `) of a query's filters, and its parameters. */
function filters(q) {
    const conds = [];
    const values = [];
    if (q.environment !== undefined) {
        values.push(q.environment);
        conds.push(q.environment === history_read_UNSPECIFIED_ENVIRONMENT ? `(environment is null or environment = $${values.length})` : `environment = $${values.length}`);
    }
    if (q.since) {
        values.push(q.since.toISOString());
        conds.push(`started_at >= $${values.length}::timestamptz`);
    }
    if (q.runsOnly)
        conds.push(`outcome not in (${NOT_RUN_STEP_OUTCOMES.map((o) => `'${o}'`).join(', ')})`);
    return { where: conds.length ? ` where ${conds.join(' and ')}` : '', values };
}
function record(r) {
    return {
        id: Number(r.id),
        version: r.version,
        direction: r.direction,
        outcome: stepOutcome(r.outcome),
        fileName: r.file_name,
        checksum: r.checksum,
        startedAt: r.started_at,
        finishedAt: r.finished_at,
        durationMs: Number(r.duration_ms),
        environment: r.environment,
        actor: r.actor,
        gitSha: r.git_sha,
        runId: r.run_id,
        runUrl: r.run_url,
        toolVersion: r.tool_version,
        sqlstate: r.sqlstate,
        error: r.error,
        invocationId: r.invocation_id ?? null,
        // A word this version does not know (a newer version's) is left for the rows to explain.
        runStatus: isRunOutcome(r.run_status) ? r.run_status : null,
        runDurationMs: r.run_duration_ms === null || r.run_duration_ms === undefined ? null : Number(r.run_duration_ms),
    };
}
/** Every down-section proof in the table, whatever the report's window: a proof does not expire while the file is unchanged. */
async function readDownProofs(conn, name) {
    const proofs = { verified: new Set(), exercised: new Set() };
    if (!(await tableExists(conn, name)))
        return proofs;
    const { rows } = await conn.query(`select distinct outcome, checksum from ${name.quoted}
      where direction = 'down' and outcome = any($1) and checksum is not null`, [['verified', ...storedSpellings('rolled-back')]]);
    for (const r of rows)
        (stepOutcome(r.outcome) === 'verified' ? proofs.verified : proofs.exercised).add(r.checksum);
    return proofs;
}

;// CONCATENATED MODULE: ./src/metrics/runs.ts


/**
 * Group audit rows into runs (one invocation of the tool for one environment), oldest first.
 * `verified` rows (proofs written by `verify`) and `baselined` rows (`baseline` recorded versions
 * without running them) are not runs, and are left out.
 */
function runs_groupRuns(rows) {
    const groups = new Map();
    for (const r of [...rows].sort((a, b) => a.id - b.id)) {
        if (isNotRunOutcome(r.outcome))
            continue;
        const key = `${runKey(r)}\u0000${r.environment ?? ''}`;
        const g = groups.get(key);
        if (g)
            g.push(r);
        else
            groups.set(key, [r]);
    }
    return sortRuns([...groups.values()].map((g) => runSummary(runFacts(g))));
}
/**
 * Runs oldest first (by the end of their last step, then by key); runs that tie on both keep the
 * order they came in, which is that of their first row.
 */
function sortRuns(runs) {
    return runs.sort((a, b) => a.finishedAt.getTime() - b.finishedAt.getTime() || a.key.localeCompare(b.key));
}
/** Whether a run counts as a success for the success rate and for recovery: `success`, deliberate rollbacks included. */
function isSuccess(outcome) {
    return outcome === 'success';
}
/** @param rows one run's rows, by id */
function runFacts(rows) {
    const first = rows[0];
    const failed = rows.find((r) => r.outcome === 'failed');
    return {
        key: runKey(first),
        environment: first.environment,
        startedAt: new Date(Math.min(...rows.map((r) => r.startedAt.getTime()))),
        finishedAt: new Date(Math.max(...rows.map((r) => r.finishedAt.getTime()))),
        hasUp: rows.some((r) => r.direction === 'up'),
        applied: rows.filter((r) => r.direction === 'up' && r.outcome === 'applied').map((r) => r.version),
        rolledBack: rows.filter((r) => r.direction === 'down' && r.outcome === 'rolled-back').map((r) => r.version),
        failedVersion: failed?.version ?? null,
        failedError: failed?.error ?? null,
        failedSqlstate: failed?.sqlstate ?? null,
        firstError: rows.find((r) => r.error !== null)?.error ?? null,
        reportedStatus: rows.find((r) => r.runStatus !== null)?.runStatus ?? null,
        reportedDurationMs: rows.find((r) => r.runDurationMs !== null)?.runDurationMs ?? null,
        cancelled: rows.some((r) => r.outcome === 'cancelled'),
        failed: failed !== undefined,
        downFailed: rows.some((r) => r.direction === 'down' && r.outcome === 'failed'),
        actor: first.actor,
        gitSha: first.gitSha,
        runUrl: first.runUrl,
    };
}
/** The summary of one run, from its facts. */
function runSummary(f) {
    const kind = f.hasUp ? 'up' : 'rollback';
    return {
        key: f.key,
        environment: f.environment ?? history_read_UNSPECIFIED_ENVIRONMENT,
        startedAt: f.startedAt,
        finishedAt: f.finishedAt,
        // What the run itself reported, once it ended; the rows of older versions and of the CLI do not carry it.
        durationMs: f.reportedDurationMs ?? f.finishedAt.getTime() - f.startedAt.getTime(),
        kind,
        outcome: f.reportedStatus ?? derivedOutcome(f, kind),
        applied: f.applied,
        rolledBack: f.rolledBack,
        failedVersion: f.failedVersion,
        error: f.failedError ?? f.firstError,
        sqlstate: f.failedSqlstate,
        actor: f.actor,
        gitSha: f.gitSha,
        runUrl: f.runUrl,
    };
}
/**
 * How a run ended, from its rows alone, by the rule the action's `status` follows
 * (`action/steps/auto-rollback.ts`): a step cancelled by the job's cancel makes it `cancelled`; an
 * automatic rollback that undid every migration the run applied, with no down section failing,
 * makes it `rolled-back`, whatever failed first (a migration, or a health check, which leaves no
 * row); any other failure (a first migration that failed with nothing to undo, a rollback that
 * stopped early or whose down failed) makes it `failed`. What rows cannot show (a health check
 * that failed with `rollback-on-failure: false`, a cancel between two migrations) only the
 * recorded status tells.
 */
function derivedOutcome(f, kind) {
    if (f.cancelled)
        return 'cancelled';
    // A deliberate rollback's down rows are its work, not an automatic rollback.
    if (kind === 'rollback' || f.rolledBack.length === 0)
        return f.failed ? 'failed' : 'success';
    const undone = new Set(f.rolledBack);
    return !f.downFailed && f.applied.every((v) => undone.has(v)) ? 'rolled-back' : 'failed';
}

;// CONCATENATED MODULE: ./src/metrics/report.ts


/** How many of the slowest migrations each environment lists. */
const SLOWEST = 5;
/** The environments people usually deploy through, in pipeline order; others follow by name. */
const ENVIRONMENT_ORDER = ['development', 'staging', 'production'];
/** Per-environment reliability figures from the audit table. Pure: same rows, same report. */
function computeReport(input) {
    const { rows, ...rest } = input;
    return reportOf({ ...rest, figures: rows === null ? null : figuresOf(rows) });
}
/** The report from figures gathered elsewhere (see {@link ReportFigures}): the same as {@link computeReport} of the same rows. */
function reportOf(input) {
    const runs = input.figures?.runs ?? [];
    const names = [...new Set(runs.map((r) => r.environment))].sort(byPipelineOrder);
    return {
        generatedAt: input.generatedAt ?? new Date(),
        since: input.since,
        database: input.database,
        historyAvailable: input.figures !== null,
        environments: names.map((env) => environmentReport(env, runs.filter((r) => r.environment === env), input.figures?.migrations.get(env) ?? { durationMs: distribution([]), slowest: [] })),
        runs,
        coverage: input.coverage,
    };
}
function figuresOf(rows) {
    const applied = new Map();
    for (const r of rows) {
        if (r.direction !== 'up' || r.outcome !== 'applied')
            continue;
        const env = r.environment ?? UNSPECIFIED_ENVIRONMENT;
        const list = applied.get(env);
        if (list)
            list.push(r);
        else
            applied.set(env, [r]);
    }
    const migrations = new Map();
    for (const [env, rs] of applied)
        migrations.set(env, { durationMs: distribution(rs.map((r) => r.durationMs)), slowest: slowest(rs, SLOWEST) });
    return { runs: groupRuns(rows), migrations };
}
function byPipelineOrder(a, b) {
    const ia = ENVIRONMENT_ORDER.indexOf(a);
    const ib = ENVIRONMENT_ORDER.indexOf(b);
    if (ia !== -1 || ib !== -1)
        return (ia === -1 ? 99 : ia) - (ib === -1 ? 99 : ib);
    return a.localeCompare(b);
}
/** @param runs this environment's runs, oldest first */
function environmentReport(environment, runs, migrations) {
    const succeeded = runs.filter((r) => isSuccess(r.outcome)).length;
    const automatic = runs.filter((r) => r.kind === 'up' && r.rolledBack.length > 0).length;
    const manual = runs.filter((r) => r.kind === 'rollback').length;
    return {
        environment,
        runs: runs.length,
        succeeded,
        failed: runs.length - succeeded,
        successRate: runs.length ? succeeded / runs.length : null,
        runDurationMs: distribution(runs.map((r) => r.durationMs)),
        migrationDurationMs: migrations.durationMs,
        migrationsApplied: migrations.durationMs.count,
        rollbacks: { automatic, manual, rate: runs.length ? (automatic + manual) / runs.length : null },
        recovery: recovery(runs),
        slowest: migrations.slowest,
        lastRun: runs.at(-1) ?? null,
    };
}
/**
 * Time to recovery: a failed run opens an incident unless one is open; the next successful run
 * closes it. Measured from the end of the incident's first failed run to the end of the run that
 * closed it (the failure is known when its run ends; service is back when the good run ends).
 */
function recovery(runs) {
    let openedAt = null;
    let incidents = 0;
    let recovered = 0;
    let total = 0;
    for (const r of runs) {
        if (!isSuccess(r.outcome)) {
            if (openedAt === null) {
                openedAt = r.finishedAt;
                incidents++;
            }
        }
        else if (openedAt !== null) {
            recovered++;
            total += r.finishedAt.getTime() - openedAt.getTime();
            openedAt = null;
        }
    }
    return { incidents, recovered, mttrMs: recovered ? total / recovered : null, openSince: openedAt };
}
/**
 * Nearest-rank percentiles: the p-th percentile is the ⌈p/100 × n⌉-th smallest value, always one
 * of the measured values (so a p95 can be checked by hand against the table).
 */
function distribution(values) {
    const sorted = [...values].sort((a, b) => a - b);
    const rank = (p) => (sorted.length ? sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] : null);
    return { count: sorted.length, p50: rank(50), p95: rank(95), max: sorted.at(-1) ?? null };
}
function slowest(rows, n) {
    return [...rows]
        .sort((a, b) => b.durationMs - a.durationMs || a.id - b.id)
        .slice(0, n)
        .map((r) => ({ version: r.version, file: r.fileName, durationMs: r.durationMs, startedAt: r.startedAt }));
}

;// CONCATENATED MODULE: ./src/metrics/report-read.ts
/**
 * The report's figures, aggregated by the server: one row per run and a few per environment leave
 * it, instead of every history row (which made `report --since all` over 100 000 rows six times
 * the cost of the same aggregate in psql; docs/PERFORMANCE.md). What each figure means is stated
 * once, in `runs.ts` (a run's facts → its summary) and `report.ts` (figures → report); the
 * queries here gather the same facts, and a test checks them against `computeReport` of the rows.
 */






/** The report's figures for the window; null when the table does not exist (nothing is created). */
async function readReportFigures(conn, name, w) {
    const source = await historySource(conn, name);
    if (source === null)
        return null;
    // One read-only transaction: both reads see the same rows, and the larger work_mem (a report
    // sorts the whole window; the default 4 MB spilled 100 000 rows to disk) ends with it, also
    // behind a transaction pooler, where a session SET would outlive us on a shared connection.
    await conn.query(`BEGIN READ ONLY; SET LOCAL work_mem = '${REPORT_WORK_MEM}'`);
    let runs;
    let migrations;
    try {
        runs = await readRunFacts(conn, source, w);
        migrations = await readMigrationFigures(conn, source, w);
    }
    catch (err) {
        // The read's own error is the one to report, not a failed ROLLBACK on a broken connection.
        await conn.query('ROLLBACK').catch(() => undefined);
        throw err;
    }
    await conn.query('COMMIT');
    // Sorting by the first row's id first makes the sort below keep groupRuns' order for runs that tie.
    const ordered = runs.sort((a, b) => a.firstId - b.firstId).map((r) => runSummary(r.facts));
    return { runs: sortRuns(ordered), migrations };
}
/** Sort memory of the report's transaction: enough for a window of several hundred thousand rows. */
const REPORT_WORK_MEM = '64MB';
const list = (words) => words.map((w) => literal(w)).join(', ');
const IS_APPLIED = `direction = 'up' and outcome in (${list(storedSpellings('applied'))})`;
const IS_ROLLED_BACK = `direction = 'down' and outcome in (${list(storedSpellings('rolled-back'))})`;
const IS_FAILED = `outcome in (${list(storedSpellings('failed'))})`;
/** `where` of the window plus `extra`. */
function where(w, extra) {
    const f = filters(w);
    return { sql: f.where ? `${f.where} and ${extra}` : ` where ${extra}`, values: f.values };
}
/**
 * {@link RunFacts} of every run in the window, with the id of its first row. Grouped as
 * `groupRuns` groups (its `runKey` and the environment, a missing one as empty); each "first" is
 * the first element of an aggregate ordered by id.
 *
 * One JSON array of arrays rather than a row per run: parsing tens of thousands of rows field by
 * field cost more than the aggregate itself. Timestamps travel as the text the server sends for a
 * timestamptz column and are parsed by the driver's own parser, so they are the very Dates a row
 * read would give (JSON's ISO form would be parsed by other code); a float8 in JSON is the same
 * shortest text the driver would parse.
 */
async function readRunFacts(conn, source, w) {
    const f = filters({ ...w, runsOnly: true });
    const first = (col, cond) => `(array_agg(${col} order by id)${cond ? ` filter (where ${cond})` : ''})[1]`;
    const versions = (cond) => `coalesce(array_agg(version::text order by id) filter (where ${cond}), '{}')`;
    const { rows } = await conn.query(`select coalesce(json_agg(run), '[]')::text as runs from (select json_build_array(
              min(id), run_key collate "C", ${first('json_build_array(environment, actor, git_sha, run_url)')}, min(started_at)::text, max(finished_at)::text,
              bool_or(direction = 'up'), ${versions(IS_APPLIED)}, ${versions(IS_ROLLED_BACK)},
              ${first('json_build_array(version::text, error, sqlstate)', IS_FAILED)},
              ${first('error', 'error is not null')}, ${first('run_status', `run_status in (${list(RUN_OUTCOMES)})`)},
              ${first('run_duration_ms', 'run_duration_ms is not null')},
              bool_or(outcome = 'cancelled'), bool_or(${IS_FAILED}), bool_or(direction = 'down' and ${IS_FAILED})) as run
       from (select *, coalesce(invocation_id, 'run:' || run_id || ':' || coalesce(environment, ''), 'row:' || id) as run_key
               from ${source} h${f.where}) h
      group by run_key collate "C", coalesce(environment, '') collate "C") runs`, f.values);
    const timestamp = esm.types.getTypeParser(TIMESTAMPTZ, 'text');
    return JSON.parse(rows[0]?.runs ?? '[]').map((r) => ({
        firstId: r[0],
        facts: {
            key: r[1],
            environment: r[2][0],
            startedAt: timestamp(r[3]),
            finishedAt: timestamp(r[4]),
            hasUp: r[5],
            applied: r[6],
            rolledBack: r[7],
            failedVersion: r[8]?.[0] ?? null,
            failedError: r[8]?.[1] ?? null,
            failedSqlstate: r[8]?.[2] ?? null,
            firstError: r[9],
            reportedStatus: r[10],
            reportedDurationMs: r[11],
            cancelled: r[12],
            failed: r[13],
            downFailed: r[14],
            actor: r[2][1],
            gitSha: r[2][2],
            runUrl: r[2][3],
        },
    }));
}
/** OID of timestamptz, whose driver parser turns the server's text into a Date. */
const TIMESTAMPTZ = 1184;
/**
 * Duration figures and slowest applied migrations by environment. `percentile_disc` is the
 * nearest rank (the ⌈p·n⌉-th smallest, in the same double arithmetic) that `distribution` takes.
 * The slowest come from a bounded (top-N) sort per environment rather than a sort of every row.
 */
async function readMigrationFigures(conn, source, w) {
    const { sql, values } = where(w, IS_APPLIED);
    const env = `coalesce(environment, ${literal(history_read_UNSPECIFIED_ENVIRONMENT)})`;
    // One row per slowest migration, its environment's figures repeated on each.
    const { rows } = await conn.query(`select d.*, t.version, t.file_name, t.duration_ms, t.started_at from (
       select ${env} as env, count(*)::int as n, percentile_disc(0.5) within group (order by duration_ms) as p50,
              percentile_disc(0.95) within group (order by duration_ms) as p95, max(duration_ms) as max
         from ${source} h${sql} group by 1) d
     cross join lateral (
       select id, version, file_name, duration_ms, started_at from ${source} h${sql} and ${env} = d.env
        order by duration_ms desc, id limit ${SLOWEST}) t
     order by d.env, t.duration_ms desc, t.id`, values);
    const out = new Map();
    for (const r of rows) {
        let f = out.get(r.env);
        if (!f)
            out.set(r.env, (f = { durationMs: { count: r.n, p50: Number(r.p50), p95: Number(r.p95), max: Number(r.max) }, slowest: [] }));
        f.slowest.push({ version: r.version, file: r.file_name, durationMs: Number(r.duration_ms), startedAt: r.started_at });
    }
    return out;
}

;// CONCATENATED MODULE: ./src/metrics/collect.ts









/** Aggregate the window's history (in SQL: one row per run leaves the server) and read the migration files, for the report. */
async function collectReport(o) {
    return withHistory(o, async (conn, name) => {
        const figures = await readReportFigures(conn, name, { since: o.since, environment: o.environment });
        const coverage = o.migrationsDirs ? await coverageOf(o.migrationsDirs, o.cwd ?? process.cwd(), conn, name) : null;
        return reportOf({ figures, since: o.since, database: o.target.redacted, coverage, ...(o.now ? { generatedAt: o.now } : {}) });
    });
}
/** Coverage needs the files; a report run where they are not (an ops machine) still reports the history. */
async function coverageOf(dirs, cwd, conn, name) {
    try {
        return await migrationCoverage(dirs, cwd, await readDownProofs(conn, name));
    }
    catch (err) {
        if (err.code === 'MIGRATIONS_DIR_MISSING')
            return null;
        throw err;
    }
}
/** The audit trail, newest first (`db-migrate-action history`); null when nothing was ever recorded. */
async function collectHistory(o, q) {
    return withHistory(o, (conn, name) => readHistory(conn, name, q));
}
/** The newest `count` runs of one environment, newest first; empty when nothing was recorded. */
async function collectRecentRuns(o, environment, count) {
    const rows = await withHistory(o, (conn, name) => readRecentRuns(conn, name, environment, count));
    return groupRuns(rows ?? []).reverse();
}
async function withHistory(o, fn) {
    if (!o.historyTable) {
        throw new errors_MigrationError('HISTORY_DISABLED', 'the history table is disabled, so there is no history to read', {
            hint: 'set --history-table (the action input history-table) to the table your runs record into, by default schema_migrations_history',
        });
    }
    return withConnection(o.target, async (conn) => fn(conn, historyName(await resolveLedgerName(conn, o.migrationsTable, o.target.searchPath), o.historyTable)), {
        connectTimeoutMs: o.connectTimeoutMs,
    });
}

;// CONCATENATED MODULE: ./src/metrics/format.ts


/** A share as a percentage with one decimal; `—` when undefined (no runs). */
function percent(share) {
    return share === null ? '—' : `${(share * 100).toFixed(1)}%`;
}
/** `p50 / p95 / max`. */
function spread(d) {
    return d.count ? `${units_duration(d.p50)} / ${units_duration(d.p95)} / ${units_duration(d.max)}` : '—';
}
/** `2026-11-25 09:30 UTC`: minutes are enough to find a run, and UTC reads the same on every runner. */
function format_when(d) {
    return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
/** First line of an error, shortened, for a table cell. */
function format_firstLine(text, max = 120) {
    if (!text)
        return '';
    const line = text.split('\n', 1)[0].trim();
    return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
/** The window in words. */
function windowText(r) {
    return r.since ? `${format_when(r.since)} → ${format_when(r.generatedAt)}` : `all history → ${format_when(r.generatedAt)}`;
}
/** One row per environment: the columns shared by the text and markdown tables. */
function environmentRow(e) {
    const mttr = e.recovery.recovered ? units_duration(e.recovery.mttrMs) : '—';
    return [
        e.environment,
        String(e.runs),
        e.runs ? `${percent(e.successRate)} (${e.succeeded}/${e.runs})` : '—',
        spread(e.runDurationMs),
        spread(e.migrationDurationMs),
        e.runs ? `${percent(e.rollbacks.rate)} (${e.rollbacks.automatic} auto, ${e.rollbacks.manual} manual)` : '—',
        e.recovery.openSince ? `${mttr}; failing since ${format_when(e.recovery.openSince)}` : mttr,
        e.lastRun ? `${vocabulary_runOutcomeLabel(e.lastRun)}, ${format_when(e.lastRun.finishedAt)}` : '—',
    ];
}
/** Headers of {@link environmentRow}. */
const ENVIRONMENT_HEADERS = [
    'Environment',
    'Runs',
    'Success rate',
    'Run p50 / p95 / max',
    'Migration p50 / p95 / max',
    'Rollbacks',
    'Time to recovery',
    'Last run',
];
/** What a run did, in a few words: `applied 2`, `rolled back 20240102…`, `failed at 20240103…`. */
function format_runChanges(r) {
    const parts = [];
    if (r.applied.length)
        parts.push(`applied ${r.applied.join(', ')}`);
    if (r.rolledBack.length)
        parts.push(`rolled back ${r.rolledBack.join(', ')}`);
    if (r.failedVersion)
        parts.push(`failed at ${r.failedVersion}${r.sqlstate ? ` (${r.sqlstate})` : ''}`);
    return parts.join('; ');
}
/** The coverage sentence, or null when the report has no coverage. */
function coverageText(r) {
    const c = r.coverage;
    if (!c)
        return null;
    if (c.migrations === 0)
        return 'No migration files found.';
    const share = (n) => `${n} (${percent(n / c.migrations)})`;
    const parts = [
        `${c.migrations} migration file(s): ${share(c.withDown)} have a down section`,
        `${share(c.verified)} proven by \`verify\``,
        `${share(c.downExercised)} rolled back for real`,
    ];
    let text = `${parts.join(', ')}.`;
    if (c.withoutDown.length)
        text += ` Without a down section: ${c.withoutDown.join(', ')}.`;
    if (c.unreadable.length)
        text += ` Could not be parsed: ${c.unreadable.join(', ')}.`;
    return text;
}

;// CONCATENATED MODULE: ./src/metrics/html.ts




/**
 * Outcome colours, used for outcomes and nothing else (so a colour in the page means an outcome).
 * GitHub Primer's green/red/amber and a grey: saturated, and told apart by red-green colour-blind
 * readers through their lightness and through the marker shapes below.
 */
const OUTCOME_COLOURS = {
    success: '#1a7f37',
    'rolled-back': '#bf8700',
    cancelled: '#6e7781',
    failed: '#cf222e',
};
/** Stacking and legend order, good news first: the colours' (a record of every outcome, so none is left out). */
const OUTCOMES = Object.keys(OUTCOME_COLOURS);
/** How many runs the "recent runs" table shows; the charts show all of them. */
const RECENT_RUNS = 50;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** Escape text for HTML content and double-quoted attributes (SVG included); quotes too, unlike the markdown helper. */
function escapeHtml(s) {
    return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
/**
 * The whole report as one self-contained HTML document: inline CSS and SVG, no script, and a CSP
 * that lets the browser refuse anything else, so the file can be mailed or attached as it is.
 */
function renderHtml(report) {
    const title = `Migration report — ${report.database}`;
    const coverage = report.coverage ? coverageSection(report.coverage) : '';
    // Summaries first, then the long tables a reader only scans when looking for something.
    const body = report.historyAvailable
        ? [overview(report), environmentCards(report.environments), charts(report), coverage, html_slowest(report.environments), recentRuns(report.runs)]
        : [
            `<section class="notice"><h2>No migration history yet</h2><p>The audit table (by default <code>schema_migrations_history</code>) does not exist in this database: nothing has been recorded yet, or recording is disabled.</p></section>`,
            coverage,
        ];
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="db-migrate-action report">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<style>${CSS}</style>
</head>
<body>
<header>
<h1>Migration report</h1>
<dl class="meta">
<div><dt>Database</dt><dd><code>${escapeHtml(report.database)}</code></dd></div>
<div><dt>Window</dt><dd>${escapeHtml(windowText(report))}</dd></div>
<div><dt>Generated</dt><dd>${escapeHtml(format_when(report.generatedAt))}</dd></div>
</dl>
</header>
<main>
${body.filter(Boolean).join('\n')}
</main>
</body>
</html>
`;
}
function overview(report) {
    const runs = report.runs.length;
    const ok = report.runs.filter((r) => isSuccess(r.outcome)).length;
    const open = report.environments.filter((e) => e.recovery.openSince).map((e) => e.environment);
    const tiles = [
        tile('Runs', String(runs)),
        tile('Success rate', runs ? percent(ok / runs) : '—'),
        tile('Environments', String(report.environments.length)),
        tile('Open incidents', open.length ? escapeHtml(open.join(', ')) : 'none', open.length > 0),
    ];
    return `<section class="tiles">${tiles.join('')}</section>`;
}
function tile(label, valueHtml, alert = false) {
    return `<div class="tile${alert ? ' alert' : ''}"><div class="label">${label}</div><div class="value">${valueHtml}</div></div>`;
}
function environmentCards(envs) {
    if (envs.length === 0)
        return '';
    const cards = envs.map((e) => {
        const rb = e.rollbacks;
        const rec = e.recovery;
        const rows = [
            ['Runs', `${e.runs} <span class="muted">· ${e.succeeded} ok · ${e.failed} failed</span>`],
            ['Migrations', `${e.migrationsApplied} applied`],
            ['Rollbacks', `${rb.automatic} automatic · ${rb.manual} manual${e.runs ? ` <span class="muted">(${percent(rb.rate)} of runs)</span>` : ''}`],
            ['Time to recovery', `${rec.recovered ? units_duration(rec.mttrMs) : '—'} <span class="muted">· ${rec.incidents} incident(s), ${rec.recovered} recovered</span>`],
            ['Last run', e.lastRun ? `${badge(e.lastRun)} <span class="muted">${escapeHtml(format_when(e.lastRun.finishedAt))}</span>` : '—'],
        ];
        const open = rec.openSince ? `<p class="open">Failing since ${escapeHtml(format_when(rec.openSince))}</p>` : '';
        return `<article class="card">
<div class="card-head"><h3>${escapeHtml(e.environment)}</h3><div><span class="big">${percent(e.successRate)}</span> <span class="muted">success</span></div></div>
${open}<table class="dist"><thead><tr><th>Duration</th><th class="num">p50</th><th class="num">p95</th><th class="num">max</th></tr></thead><tbody>${distRow('Run', e.runDurationMs)}${distRow('Migration', e.migrationDurationMs)}</tbody></table>
<dl>${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>
</article>`;
    });
    return `<section><h2>Environments</h2><div class="cards">${cards.join('\n')}</div></section>`;
}
function distRow(label, d) {
    return `<tr><td>${label}</td>${[d.p50, d.p95, d.max].map((v) => `<td class="num">${units_duration(v)}</td>`).join('')}</tr>`;
}
/** A run's outcome with its marker; a deliberate rollback says so (`success (rollback)`). */
function badge(run) {
    return `<span class="badge" data-outcome="${run.outcome}" data-kind="${run.kind}"><svg width="12" height="12" viewBox="0 0 12 12" aria-hidden="true">${marker(run.outcome, 6, 6, 4.5)}</svg>${escapeHtml(vocabulary_runOutcomeLabel(run))}</span>`;
}
/**
 * A marker whose shape, as well as its colour, says the outcome, so the chart survives grey-scale
 * printing and colour-blindness.
 */
function marker(outcome, x, y, r) {
    const fill = `fill="${OUTCOME_COLOURS[outcome]}"`;
    const p = (pts) => `<path ${fill} d="M${pts.map(([a, b]) => `${fx(x + a * r)},${fx(y + b * r)}`).join('L')}Z"/>`;
    switch (outcome) {
        case 'success':
            return `<circle ${fill} cx="${fx(x)}" cy="${fx(y)}" r="${r}"/>`;
        case 'rolled-back':
            return `<rect ${fill} x="${fx(x - r * 0.9)}" y="${fx(y - r * 0.9)}" width="${fx(r * 1.8)}" height="${fx(r * 1.8)}"/>`;
        case 'failed':
            return p([[0, -1.25], [1.25, 0], [0, 1.25], [-1.25, 0]]);
        case 'cancelled':
            return p([[-1, -1], [1, 1], [1, -1], [-1, 1]]);
    }
}
function fx(n) {
    return String(Math.round(n * 10) / 10);
}
function legend(outcomes) {
    const items = outcomes.map((o) => `<li data-outcome="${o}"><svg width="14" height="14" viewBox="0 0 14 14" aria-hidden="true">${marker(o, 7, 7, 5.5)}</svg>${escapeHtml(RUN_OUTCOME_LABELS[o])}</li>`);
    return `<ul class="legend">${items.join('')}</ul>`;
}
function charts(report) {
    if (report.runs.length === 0)
        return `<section><h2>Charts</h2><p class="empty">No runs in this window.</p></section>`;
    // The legend lists only outcomes that occurred: a swatch for something that never happened is noise.
    const present = OUTCOMES.filter((o) => report.runs.some((r) => r.outcome === o));
    const envs = environmentNames(report);
    return `<section><h2>Run durations over time <span class="muted sub">by start time (UTC)</span></h2>${legend(present)}${durationChart(report, envs)}</section>
<section><h2>Outcomes per environment</h2>${legend(present)}${outcomeChart(report.runs, envs)}</section>`;
}
/** The report's environments in its order, then any that only appear in runs. */
function environmentNames(report) {
    const names = report.environments.map((e) => e.environment);
    for (const r of report.runs)
        if (!names.includes(r.environment))
            names.push(r.environment);
    return names;
}
const W = 960;
/**
 * Small multiples: one panel per environment, sharing the time axis, each with its own duration
 * scale (production is often ten times slower than staging, which would flatten staging otherwise).
 */
function durationChart(report, envs) {
    const left = 70;
    const right = 20;
    const panelH = 110;
    const titleH = 26;
    const gap = 14;
    const axisH = 30;
    const starts = report.runs.map((r) => r.startedAt.getTime());
    // The whole window, so a quiet last week shows as empty space rather than disappearing.
    let t0 = Math.min(...starts, report.since?.getTime() ?? Infinity);
    let t1 = Math.max(...starts, report.generatedAt.getTime());
    if (t1 - t0 < HOUR)
        [t0, t1] = [t0 - 12 * HOUR, t1 + 12 * HOUR];
    const pad = (t1 - t0) * 0.03;
    [t0, t1] = [t0 - pad, t1 + pad];
    const x = (t) => left + ((t - t0) / (t1 - t0)) * (W - left - right);
    const ticks = timeTicks(t0, t1);
    const plotTop = (i) => i * (titleH + panelH + gap) + titleH;
    const height = plotTop(envs.length - 1) + panelH + axisH;
    const out = [];
    for (const t of ticks.values)
        out.push(`<line class="grid" x1="${fx(x(t))}" x2="${fx(x(t))}" y1="${titleH}" y2="${height - axisH}"/>`);
    envs.forEach((env, i) => {
        const top = plotTop(i);
        const runs = report.runs.filter((r) => r.environment === env).sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
        out.push(`<text class="panel-title" x="${left}" y="${top - 8}">${escapeHtml(env)} <tspan class="muted">· ${runs.length} run(s)</tspan></text>`);
        out.push(`<rect class="frame" x="${left}" y="${top}" width="${W - left - right}" height="${panelH}"/>`);
        if (runs.length === 0) {
            out.push(`<text class="muted" x="${left + 12}" y="${top + panelH / 2}">no runs in this window</text>`);
            return;
        }
        const yAxis = durationTicks(Math.max(...runs.map((r) => r.durationMs)));
        const y = (ms) => top + panelH - 6 - (ms / yAxis.max) * (panelH - 14);
        for (const v of yAxis.values) {
            out.push(`<line class="grid" x1="${left}" x2="${W - right}" y1="${fx(y(v))}" y2="${fx(y(v))}"/>`);
            out.push(`<text class="tick" x="${left - 6}" y="${fx(y(v) + 4)}" text-anchor="end">${yAxis.label(v)}</text>`);
        }
        const line = runs.map((r) => `${fx(x(r.startedAt.getTime()))},${fx(y(r.durationMs))}`).join(' ');
        out.push(`<polyline class="trend" points="${line}"/>`);
        for (const r of runs) {
            out.push(`<g class="pt" data-outcome="${r.outcome}" data-kind="${r.kind}" data-environment="${escapeHtml(env)}"><title>${escapeHtml(runTooltip(r))}</title>${marker(r.outcome, x(r.startedAt.getTime()), y(r.durationMs), 5)}</g>`);
        }
    });
    const base = height - axisH;
    for (const t of ticks.values)
        out.push(`<text class="tick" x="${fx(x(t))}" y="${base + 18}" text-anchor="middle">${ticks.label(t)}</text>`);
    return `<svg class="chart chart-runs" role="img" aria-label="Run durations over time, per environment" viewBox="0 0 ${W} ${height}" width="${W}" height="${height}">${out.join('')}</svg>`;
}
function runTooltip(r) {
    const versions = [...r.applied, ...r.rolledBack.map((v) => `${v} (down)`), ...(r.failedVersion && !r.applied.includes(r.failedVersion) ? [`${r.failedVersion} (failed)`] : [])];
    return [
        `${r.environment} · ${format_when(r.startedAt)}`,
        `${vocabulary_runOutcomeLabel(r)} in ${units_duration(r.durationMs)}`,
        `versions: ${versions.length ? versions.join(', ') : '—'}`,
        r.actor ? `actor: ${r.actor}` : null,
        r.gitSha ? `commit: ${r.gitSha.slice(0, 7)}` : null,
        r.error ? `error: ${r.error.split('\n', 1)[0]}` : null,
    ]
        .filter((l) => l !== null)
        .join('\n');
}
/** Stacked horizontal bars: one per environment, one segment per outcome. */
function outcomeChart(runs, envs) {
    const left = 150;
    const right = 90;
    const barH = 28;
    const gap = 16;
    const axisH = 28;
    const counts = envs.map((env) => OUTCOMES.map((o) => runs.filter((r) => r.environment === env && r.outcome === o).length));
    const axis = niceTicks(Math.max(1, ...counts.map((c) => c.reduce((a, b) => a + b, 0))), 5, true);
    const x = (n) => (n / axis.max) * (W - left - right);
    const height = envs.length * (barH + gap) + axisH;
    const out = [];
    for (const v of axis.values) {
        out.push(`<line class="grid" x1="${fx(left + x(v))}" x2="${fx(left + x(v))}" y1="0" y2="${height - axisH}"/>`);
        out.push(`<text class="tick" x="${fx(left + x(v))}" y="${height - 8}" text-anchor="middle">${v}</text>`);
    }
    envs.forEach((env, i) => {
        const top = i * (barH + gap) + gap / 2;
        const mid = top + barH / 2 + 5;
        const name = env.length > 20 ? `${env.slice(0, 19)}…` : env;
        out.push(`<text class="label" x="${left - 10}" y="${mid}" text-anchor="end"><title>${escapeHtml(env)}</title>${escapeHtml(name)}</text>`);
        let at = 0;
        OUTCOMES.forEach((o, j) => {
            const n = counts[i][j];
            if (!n)
                return;
            const x0 = left + x(at);
            const w = x(n);
            out.push(`<g class="bar" data-outcome="${o}" data-environment="${escapeHtml(env)}" data-count="${n}"><title>${escapeHtml(`${env}: ${n} ${RUN_OUTCOME_LABELS[o]}`)}</title><rect x="${fx(x0)}" y="${top}" width="${fx(w)}" height="${barH}" fill="${OUTCOME_COLOURS[o]}"/>` +
                (w >= 24 ? `<text class="in-bar${o === 'rolled-back' ? ' dark' : ''}" x="${fx(x0 + w / 2)}" y="${mid}" text-anchor="middle">${n}</text>` : '') +
                `</g>`);
            at += n;
        });
        const total = counts[i].reduce((a, b) => a + b, 0);
        out.push(`<text class="label muted" x="${fx(left + x(at) + 8)}" y="${mid}">${total ? `${total} run(s)` : 'no runs'}</text>`);
    });
    return `<svg class="chart chart-outcomes" role="img" aria-label="Run outcomes per environment" viewBox="0 0 ${W} ${height}" width="${W}" height="${height}">${out.join('')}</svg>`;
}
/** 0 to max in 1/2/2.5/5 × 10ⁿ steps. */
function niceTicks(max, count, integer = false) {
    const raw = max / count;
    const mag = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw && (!integer || Number.isInteger(s))) ?? Math.ceil(raw);
    const top = Math.ceil(max / step - 1e-9) * step;
    const values = [];
    for (let v = 0; v <= top + step / 2; v += step)
        values.push(Number(v.toFixed(6)));
    return { values, max: top, label: (v) => String(v) };
}
/** Duration ticks in the unit that keeps labels short: ms below 2 s, s below 5 min, then min. */
function durationTicks(maxMs) {
    const [unit, div] = maxMs < 2000 ? ['ms', 1] : maxMs < 300_000 ? ['s', 1000] : ['min', 60_000];
    const t = niceTicks(Math.max(maxMs / div, unit === 'ms' ? 10 : 1), 3);
    return { values: t.values.map((v) => v * div), max: t.max * div, label: (v) => `${Number((v / div).toFixed(2))} ${unit}` };
}
/** Ticks on calendar boundaries (UTC), at most about 8 of them. */
function timeTicks(t0, t1) {
    const steps = [HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY, 14 * DAY, 28 * DAY, 91 * DAY, 364 * DAY];
    const step = steps.find((s) => (t1 - t0) / s <= 8) ?? 364 * DAY;
    // Weekly ticks fall on Mondays (1970-01-05 was one) rather than on the epoch's Thursday.
    const offset = step >= 7 * DAY ? 4 * DAY : 0;
    const values = [];
    for (let t = Math.ceil((t0 - offset) / step) * step + offset; t <= t1; t += step)
        values.push(t);
    const label = (t) => {
        const d = new Date(t);
        const day = `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`;
        return step < DAY ? `${day} ${String(d.getUTCHours()).padStart(2, '0')}:00` : day;
    };
    return { values, max: t1, label };
}
function html_slowest(envs) {
    const rows = envs
        .flatMap((e) => e.slowest.map((m) => ({ ...m, environment: e.environment })))
        .sort((a, b) => b.durationMs - a.durationMs)
        .slice(0, 10);
    if (rows.length === 0)
        return '';
    const tr = rows.map((m) => `<tr><td><code>${escapeHtml(m.version)}</code></td><td>${m.file ? escapeHtml(m.file) : '—'}</td><td>${escapeHtml(m.environment)}</td><td class="num">${units_duration(m.durationMs)}</td><td>${escapeHtml(format_when(m.startedAt))}</td></tr>`);
    return `<section><h2>Slowest migrations</h2><table><thead><tr><th>Version</th><th>File</th><th>Environment</th><th class="num">Duration</th><th>Applied</th></tr></thead><tbody>${tr.join('')}</tbody></table></section>`;
}
function coverageSection(c) {
    const share = c.migrations ? c.withDown / c.migrations : null;
    const of = (n) => `${n} of ${c.migrations} <span class="muted">(${percent(c.migrations ? n / c.migrations : null)})</span>`;
    const list = (items) => items.map((v) => `<code>${escapeHtml(v)}</code>`).join(' ');
    const meter = `<div class="meter" role="img" aria-label="${percent(share)} reversible"><div style="width:${((share ?? 0) * 100).toFixed(1)}%"></div></div>`;
    return `<section><h2>Reversibility</h2>
<div class="coverage">
<div><span class="big">${percent(share)}</span> <span class="muted">of migrations have a down section</span>${meter}</div>
<dl>
<dt>With a down section</dt><dd>${of(c.withDown)}</dd>
<dt>Proven by <code>verify</code></dt><dd>${of(c.verified)}</dd>
<dt>Rolled back for real</dt><dd>${of(c.downExercised)}</dd>
${c.withoutDown.length ? `<dt>Without a down section</dt><dd>${list(c.withoutDown)}</dd>` : ''}
${c.unreadable.length ? `<dt>Could not be parsed</dt><dd>${list(c.unreadable)}</dd>` : ''}
</dl>
</div>
</section>`;
}
/** Newest first; a failure's error text gets a full-width row of its own, where it can be read. */
function recentRuns(runs) {
    if (runs.length === 0)
        return '';
    const recent = [...runs].sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime()).slice(0, RECENT_RUNS);
    const versions = (vs) => vs.map((v) => `<code>${escapeHtml(v)}</code>`).join(' ');
    const tr = recent.map((r) => {
        const failed = r.failedVersion ? `<code>${escapeHtml(r.failedVersion)}</code>${r.sqlstate ? ` <span class="muted">${escapeHtml(r.sqlstate)}</span>` : ''}` : '';
        const cells = [
            `<td class="nowrap">${escapeHtml(format_when(r.startedAt).replace(/ UTC$/, ''))}</td>`,
            `<td>${escapeHtml(r.environment)}</td>`,
            `<td>${badge(r)}</td>`,
            `<td class="num">${units_duration(r.durationMs)}</td>`,
            `<td class="versions">${versions(r.applied)}</td>`,
            `<td class="versions">${versions(r.rolledBack)}</td>`,
            `<td class="versions">${failed}</td>`,
            `<td>${r.actor ? escapeHtml(r.actor) : ''}</td>`,
            `<td>${r.gitSha ? `<code title="${escapeHtml(r.gitSha)}">${escapeHtml(r.gitSha.slice(0, 7))}</code>` : ''}</td>`,
            `<td>${runLink(r.runUrl)}</td>`,
        ];
        const error = r.error ? `<tr class="error-row"><td></td><td colspan="9"><div class="error">${escapeHtml(r.error)}</div></td></tr>` : '';
        return `<tr class="run${r.error ? ' has-error' : ''}">${cells.join('')}</tr>${error}`;
    });
    const more = runs.length > RECENT_RUNS ? ` <span class="muted sub">latest ${RECENT_RUNS} of ${runs.length}</span>` : '';
    return `<section><h2>Recent runs${more}</h2><div class="scroll"><table class="runs"><thead><tr><th>Started (UTC)</th><th>Environment</th><th>Outcome</th><th class="num">Duration</th><th>Applied</th><th>Rolled back</th><th>Failed</th><th>Actor</th><th>Commit</th><th>Run</th></tr></thead><tbody>${tr.join('')}</tbody></table></div></section>`;
}
/** Only http(s) URLs become links: a `javascript:` URL in the audit table must stay text. */
function runLink(url) {
    if (!url)
        return '';
    if (!/^https?:\/\//i.test(url))
        return `<span class="muted">${escapeHtml(url)}</span>`;
    return `<a href="${escapeHtml(url)}" rel="noopener noreferrer">open</a>`;
}
/** Neutral greys and one purple for the coverage meter: the outcome colours stay reserved for outcomes. */
const CSS = `
:root{color-scheme:light;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
header,main{max-width:1200px;margin:0 auto;padding:0 24px}
header{padding-top:28px}
h1{font-size:26px;margin:0 0 8px}
h2{font-size:18px;margin:0 0 12px}
h3{font-size:16px;margin:0 0 4px}
code{font:12.5px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#eff2f5;border-radius:4px;padding:1px 4px}
.meta{display:flex;flex-wrap:wrap;gap:8px 28px;margin:0 0 8px}
.meta dt{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.meta dd{margin:0}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:18px 20px;margin:18px 0}
.muted{color:var(--muted);fill:var(--muted)}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(180px,1fr));gap:12px;background:none;border:0;padding:0}
.tile{background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px 16px}
.tile .label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.tile .value{font-size:22px;font-weight:600}
.tile.alert{border-color:#ff8182;background:#fff5f5}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:14px}
.card{border:1px solid var(--line);border-radius:8px;padding:14px 16px}
.card-head{display:flex;justify-content:space-between;align-items:baseline;gap:12px}
.card dl{display:grid;grid-template-columns:auto 1fr;gap:4px 12px;margin:10px 0 0}
.card dt{white-space:nowrap}
.dist{margin-top:10px}
.dist th,.dist td{padding:3px 6px}
.dist td:first-child{color:var(--muted)}
.card dt{color:var(--muted)}
.card dd{margin:0}
.big{font-size:22px;font-weight:650}
.open{margin:6px 0 0;padding:4px 8px;border-radius:6px;background:#fff5f5;color:#a40e26;font-weight:600}
.legend{display:flex;flex-wrap:wrap;gap:6px 18px;list-style:none;margin:0 0 8px;padding:0;color:var(--muted)}
.legend li{display:flex;align-items:center;gap:6px}
.chart{display:block;width:100%;height:auto;font-size:12px}
.chart .grid{stroke:#e6eaef;stroke-width:1}
.chart .frame{fill:none;stroke:var(--line)}
.chart .trend{fill:none;stroke:#8c959f;stroke-width:1.5;stroke-linejoin:round}
.chart .tick{fill:var(--muted);font-size:11.5px}
.chart .label{fill:var(--fg);font-size:13px}
.chart .panel-title{fill:var(--fg);font-size:13px;font-weight:600}
.chart .panel-title .muted{font-weight:400}
.chart .in-bar{fill:#fff;font-size:12px;font-weight:600}
.chart .in-bar.dark{fill:#1f2328}
h2 .sub{font-size:13px;font-weight:400;margin-left:6px}
.empty{color:var(--muted);margin:0}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;vertical-align:top;padding:6px 8px;border-bottom:1px solid var(--line)}
th{color:var(--muted);font-weight:600;font-size:12px;white-space:nowrap}
.num{text-align:right;white-space:nowrap}
.nowrap{white-space:nowrap}
.badge{display:inline-flex;align-items:center;gap:5px;white-space:nowrap;font-weight:600}
.runs th,.runs td{padding:6px 6px}
.runs .versions code{display:inline-block;margin:0 2px 2px 0}
.runs tr.has-error td{border-bottom:0}
.runs .error-row td{padding-top:0}
.error{max-height:7.5em;overflow:auto;white-space:pre-wrap;overflow-wrap:anywhere;font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;color:#82071e;background:#fff5f5;border-radius:4px;padding:4px 6px}
.runs code{font-size:11px}
a{color:#0550ae}
.coverage{display:grid;grid-template-columns:minmax(220px,1fr) 2fr;gap:20px;align-items:start}
.coverage dl{display:grid;grid-template-columns:auto 1fr;gap:6px 14px;margin:0}
.coverage dt{color:var(--muted)}
.coverage dd{margin:0}
.meter{height:10px;border-radius:5px;background:#eaeef2;margin-top:8px;overflow:hidden}
.meter div{height:100%;background:#8250df}
.notice p{margin:0}
`;

;// CONCATENATED MODULE: ./src/text/markdown.ts
/** Small helpers for the markdown GitHub renders in job summaries, issues and reports. */
/**
 * Inline code that survives what the value holds (summaries, issues and reports quote error text
 * and names from outside): a backtick run longer than any inside (CommonMark), on one line (a
 * blank line would end the span, a line break a table cell or list item), and `` ` ` `` for an
 * empty value (two bare backticks are not a code span).
 */
function markdown_code(s) {
    const text = markdown_oneLine(s);
    if (text === '')
        return '` `';
    const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((m) => m.length));
    const tick = '`'.repeat(longest + 1);
    const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
    return `${tick}${pad}${text}${pad}${tick}`;
}
/** A fenced block longer than any backtick run inside it. */
function fence(s, lang) {
    const longest = Math.max(2, ...(s.match(/`+/g) ?? []).map((m) => m.length));
    const f = '`'.repeat(longest + 1);
    return `${f}${lang}\n${s.replace(/\s+$/, '')}\n${f}`;
}
/**
 * A path as code that may wrap: in a table, code breaks only at spaces, so one long path widens
 * the table past GitHub's column (it then scrolls sideways). A path of up to 60 characters fits
 * beside a summary table's other columns and stays a plain code span; a longer one is HTML
 * `<code>` with `<wbr>` after each `/` and `_` (GitHub keeps both elements).
 */
function pathCode(path) {
    const p = markdown_oneLine(path);
    if (p.length <= 60)
        return markdown_code(p);
    return `<code>${markdown_escapeHtml(p).replace(/[/_]/g, '$&<wbr>')}</code>`;
}
/** A markdown table cell: one line, pipes escaped. */
function cell(s) {
    return markdown_oneLine(s).replace(/\|/g, '\\|');
}
/** Newlines (and the blanks around them) as one space. */
function markdown_oneLine(s) {
    return s.replace(/\s*\n\s*/g, ' ');
}
/**
 * Every run of whitespace as one space, trimmed: a message quoted inside a line (an issue's
 * code span, a chat field, a log line), where {@link oneLine}'s gentler join is not enough.
 */
function squash(s) {
    return s.replace(/\s+/g, ' ').trim();
}
/** Text safe inside HTML (GitHub renders the HTML a summary contains). */
function markdown_escapeHtml(s) {
    return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
/**
 * Markdown-inert text on one line: what a summary quotes from outside (error text, details)
 * renders as written, not as emphasis, code, HTML, an entity, math (`$…$`) or a list. Unlike
 * {@link code}, it reads as prose and wraps like prose. URLs are left as written, so GitHub links
 * them whole (a backslash escape inside one would become part of the link in some renderers).
 */
function plain(s) {
    return markdown_oneLine(s)
        .trim()
        .split(/(https?:\/\/[^\s<>`|]+)/)
        // `_` inside a word never starts emphasis (GFM), so `pg_dump` stays as written.
        .map((part, i) => (i % 2 === 1 ? part : part.replace(/[\\`*[\]<>|~#$]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])|&(?=#?\w+;)/g, '\\$&')))
        .join('')
        .replace(/^([-+=]|\d+[.)])/, (m) => `${m.slice(0, -1)}\\${m.slice(-1)}`);
}
/**
 * Characters per line of a fenced block. GitHub's code blocks never wrap (`white-space: pre`,
 * `overflow: auto`), so a longer line scrolls sideways: at 85 % of 16 px, monospace is about
 * 8.2 px a character, and 1012 px of content less the block's padding and a list's indent
 * holds about 115; 100 leaves room for wider fonts.
 */
const CODE_WIDTH = 100;
/**
 * Lines longer than `width` broken at their last space that fits (a word longer than the line is
 * cut), each continuation starting with `continuation(line)`: by default the line's own
 * indentation and two more spaces.
 */
function wrapCode(text, width = CODE_WIDTH, continuation = (l) => `${indentOf(l)}  `) {
    const out = [];
    for (const line of text.split('\n')) {
        if (line.length <= width) {
            out.push(line);
            continue;
        }
        // Never less than a third of the line for the text, whatever the continuation asks.
        const lead = continuation(line).slice(0, Math.floor(width / 3));
        let rest = line;
        let first = true;
        while (rest.length > width) {
            const floor = first ? indentOf(rest).length : lead.length;
            const at = rest.lastIndexOf(' ', width);
            const cut = at > floor ? at : width;
            out.push(rest.slice(0, cut).trimEnd());
            rest = `${lead}${rest.slice(cut).trimStart()}`;
            first = false;
        }
        out.push(rest);
    }
    return out.join('\n');
}
/** SQL for a fenced block, {@link wrapCode}d: a comment line goes on as a comment. */
function wrapSql(sql, width = CODE_WIDTH) {
    return wrapCode(sql, width, (l) => `${indentOf(l)}${/^\s*--/.test(l) ? '-- ' : '  '}`);
}
/** A unified diff for a fenced block, {@link wrapCode}d: a continuation keeps its line's `+`/`-` mark. */
function wrapDiff(diff, width = CODE_WIDTH) {
    return wrapCode(diff, width, (l) => `${/^[-+]/.test(l) ? l[0] : ' '}   `);
}
/**
 * A POSIX shell command for a fenced `sh` block, no line wider than `width`, that a shell reads
 * as the same command: commands joined by `&&` (`||`, `|`) start their own line (a line may end
 * in one), arguments go on with ` \` and an indent, and a word longer than a line is split by a
 * bare `\` newline (inside single quotes: `'…'\` newline `'…'`), which the shell removes, with no
 * indent, which would split the word.
 */
function wrapShell(command, width = CODE_WIDTH) {
    if (command.length <= width || command.includes('\n'))
        return command;
    const lines = [];
    let line = '';
    for (const word of shellWords(command)) {
        if (word === '&&' || word === '||' || word === '|') {
            // A line may end in an operator: the shell reads on. One that does not fit goes first on the next.
            if (line.length + 1 + word.length > width) {
                lines.push(`${line} \\`);
                line = `  ${word}`;
            }
            else
                line = `${line} ${word}`;
            lines.push(line);
            line = '';
            continue;
        }
        if (line === '') {
            line = word;
        }
        else if (line.length + 1 + word.length + 2 <= width) {
            line = `${line} ${word}`;
        }
        else {
            lines.push(`${line} \\`);
            line = `  ${word}`;
        }
        // Room for the ` \` that may follow.
        if (line.length > width - 2) {
            const parts = splitWord(line, width - 2);
            for (const p of parts.slice(0, -1))
                lines.push(p);
            line = parts[parts.length - 1];
        }
    }
    if (line !== '')
        lines.push(line);
    return lines.join('\n');
}
/** The words of a one-line command: split at spaces outside quotes, quotes and escapes kept as written. */
function shellWords(command) {
    const words = [];
    let word = '';
    let quote;
    for (let i = 0; i < command.length; i++) {
        const ch = command[i];
        if (quote) {
            word += ch;
            if (ch === quote)
                quote = undefined;
            else if (ch === '\\' && quote === '"' && i + 1 < command.length)
                word += command[++i];
        }
        else if (ch === ' ' || ch === '\t') {
            if (word !== '')
                words.push(word);
            word = '';
        }
        else {
            word += ch;
            if (ch === "'" || ch === '"')
                quote = ch;
            else if (ch === '\\' && i + 1 < command.length)
                word += command[++i];
        }
    }
    if (word !== '')
        words.push(word);
    return words;
}
/**
 * A line whose last word is too long, as lines of at most `width` ending in a continuation the
 * shell removes: `\` newline outside single quotes, `'\` newline `'` inside them (close, continue,
 * reopen). Where it can, a line breaks before a URL's `?` or `&`, after a `/` or before other
 * punctuation, so each piece reads as a part of it. An escape (`\x`) is never split. Later
 * pieces start at column 0: an indent would split the word.
 */
function splitWord(line, width) {
    // Units: a character, or an escape with the character it escapes; `single`: a break before it is inside single quotes.
    const units = [];
    let quote;
    for (let i = 0; i < line.length; i++) {
        let text = line[i];
        if (text === '\\' && quote !== "'" && i + 1 < line.length)
            text += line[++i];
        units.push({ text, single: quote === "'" });
        if (quote) {
            if (text === quote)
                quote = undefined;
        }
        else if (text === "'" || text === '"')
            quote = text;
    }
    const out = [];
    let start = 0;
    while (start < units.length) {
        const reopen = start > 0 && units[start].single ? "'" : '';
        let len = reopen.length;
        let end = start;
        // Room for the continuation: `\`, or `'\` inside single quotes.
        while (end < units.length && len + units[end].text.length + 2 <= width)
            len += units[end++].text.length;
        if (end >= units.length) {
            out.push(`${reopen}${units.slice(start).map((u) => u.text).join('')}`);
            break;
        }
        if (end === start)
            end = start + 1;
        // In the last three quarters of the line: a query string's `?` or `&`, else after a `/`, else before other punctuation.
        const from = start + Math.floor((end - start) / 4);
        const at = (ok) => {
            for (let k = end; k > from; k--)
                if (ok(k))
                    return k;
            return undefined;
        };
        end =
            at((k) => units[k].text === '?' || units[k].text === '&') ??
                at((k) => units[k - 1].text === '/') ??
                at((k) => /^[@:.=_-]$/.test(units[k].text)) ??
                end;
        out.push(`${reopen}${units.slice(start, end).map((u) => u.text).join('')}${units[end].single ? "'" : ''}\\`);
        start = end;
    }
    return out;
}
function indentOf(line) {
    return /^\s*/.exec(line)[0];
}
/**
 * An error for a page that shows its location, SQLSTATE and statement apart: the message without
 * them (the engine puts `file:line:column: ` first and ` (SQLSTATE x)` last), and the lines of the
 * description after the message it repeats (or a longer form of it, which then is the message),
 * without the one-line statement when the statement is shown whole.
 */
function errorText(e) {
    const where = e.file ? `${e.file}${e.line !== undefined ? `:${e.line}:${e.column ?? 1}` : ''}` : undefined;
    const lines = (e.details ?? '')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== '');
    let message = squash(e.message);
    let rest = lines;
    if (lines[0] !== undefined && squash(lines[0]).startsWith(message))
        [message, rest] = [squash(lines[0]), lines.slice(1)];
    if (where && message.startsWith(`${where}: `))
        message = message.slice(where.length + 2);
    const state = e.sqlstate ? ` (SQLSTATE ${e.sqlstate})` : '';
    if (state && message.endsWith(state))
        message = message.slice(0, -state.length);
    const extras = [];
    for (const l of rest) {
        const m = /^(detail|server hint|hint|statement): (.*)$/i.exec(l);
        if (!m)
            extras.push({ text: l });
        else if (!(m[1].toLowerCase() === 'statement' && e.statement))
            extras.push({ label: `${m[1][0].toUpperCase()}${m[1].slice(1).toLowerCase()}`, text: m[2] });
    }
    return { ...(where ? { where } : {}), message, extras };
}

;// CONCATENATED MODULE: ./src/metrics/markdown.ts




/** Each outcome's mark, as the job summary's title marks the run's `status` (↩️: rolled back). */
const OUTCOME_ICONS = { success: '✅', failed: '❌', 'rolled-back': '↩️', cancelled: '⏹️' };
/** A markdown table; every cell escaped (errors and names are data, never markup). */
function markdown_table(headers, rows) {
    const line = (cells) => `| ${cells.map((c) => cell(markdown_escapeHtml(c))).join(' | ')} |`;
    return [line(headers), `|${headers.map(() => '---').join('|')}|`, ...rows.map(line)];
}
/**
 * The report as GitHub markdown (job summary, `report --markdown`): per environment the runs,
 * success rate, durations, rollbacks and time to recovery; the slowest migrations; coverage.
 */
function renderMarkdown(r) {
    const out = ['## Database migration report', '', `Database ${markdown_code(r.database)} · ${windowText(r)}`, ''];
    if (!r.historyAvailable) {
        out.push('No history table in this database yet: nothing has been recorded. Runs of `up` and `rollback` record their history there.', '');
    }
    else if (r.environments.length === 0) {
        out.push('No runs recorded in this window.', '');
    }
    else {
        out.push(...markdown_table(ENVIRONMENT_HEADERS, r.environments.map(environmentRow)), '');
        const open = r.environments.filter((e) => e.recovery.openSince);
        for (const e of open) {
            out.push(`> **${markdown_escapeHtml(e.environment)}** has been failing since ${format_when(e.recovery.openSince)}: no successful run since then.`, '');
        }
        const slow = r.environments.flatMap((e) => e.slowest.map((s) => ({ env: e.environment, ...s })));
        if (slow.length) {
            out.push('### Slowest migrations', '', ...markdown_table(['Environment', 'Version', 'File', 'Duration', 'When'], slow.map((s) => [s.env, s.version, s.file ?? '', units_duration(s.durationMs), format_when(s.startedAt)])), '');
        }
    }
    const coverage = coverageText(r);
    if (coverage)
        out.push('### Reversibility', '', markdown_escapeHtml(coverage), '');
    out.push('<sub>Success rate: runs that ended `success` (deliberate rollbacks that worked included). Durations: p50 / p95 / max, nearest rank. ' +
        'Time to recovery: mean time from the end of a failed run to the end of the next successful run in that environment.</sub>');
    return `${out.join('\n')}\n`;
}
/**
 * The newest runs as a markdown table (newest first), for the end of every `up` job summary; the
 * errors of failed runs follow it as a list, one short line each (in a table cell, an error's
 * file path alone widens the table past GitHub's column).
 */
function renderRecentRuns(runs, title, opts = {}) {
    if (runs.length === 0)
        return `### ${title}\n\nNo runs recorded yet.\n`;
    const newest = [...runs].sort((a, b) => b.finishedAt.getTime() - a.finishedAt.getTime());
    const rows = newest.map((r) => [when(r.startedAt), `${OUTCOME_ICONS[r.outcome]} ${runOutcomeLabel(r)}`, duration(r.durationMs), runChanges(r), r.actor ?? '', r.gitSha ? r.gitSha.slice(0, 7) : '']);
    // The run link is markup of our own; added after escaping the data cells.
    const lines = markdown_table(['Started', 'Outcome', 'Duration', 'Changes', 'Actor', 'Commit'], rows);
    const links = newest.map((r) => (r.runUrl && /^https?:\/\//.test(r.runUrl) ? ` [run](${r.runUrl}) |` : ' |'));
    const withLinks = [`${lines[0]} Run |`, `${lines[1]}---|`, ...lines.slice(2).map((l, i) => `${l}${links[i]}`)];
    const shown = opts.shownAbove?.trim();
    const errors = newest
        .filter((r) => r.error && r.error.trim() !== shown)
        // The failing file is the Changes column's version: the error's own `file:line:column: ` prefix is left out.
        .map((r) => `- ${when(r.startedAt)}: ${code(firstLine(r.error.replace(/^\S+\.sql(?::\d+){0,2}: /, ''), 120))}`);
    const list = errors.length ? `\nErrors of the failed runs (first line):\n\n${errors.join('\n')}\n` : '';
    return `### ${title}\n\n${withLinks.join('\n')}\n${list}`;
}

;// CONCATENATED MODULE: ./src/metrics/text.ts


/** Columns padded to their widest cell, two spaces apart; control characters in data become spaces. */
function textTable(headers, rows) {
    const clean = (s) => s.replace(/[\u0000-\u001f\u007f]+/g, ' ');
    const all = [headers, ...rows].map((r) => r.map(clean));
    const widths = headers.map((_, i) => Math.max(...all.map((r) => [...(r[i] ?? '')].length)));
    return all.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd()).join('\n') + '\n';
}
/** `db-migrate-action report` for a terminal: the environments laid out as a table you can read down. */
function renderText(r) {
    const out = [`Migration report for ${r.database}`, `Window: ${windowText(r)}`, ''];
    if (!r.historyAvailable) {
        out.push('No history table in this database: nothing has been recorded yet.');
    }
    else if (r.environments.length === 0) {
        out.push('No runs recorded in this window.');
    }
    else {
        // Environments as columns: eight figures side by side would not fit a terminal.
        const rows = r.environments.map(environmentRow);
        const transposed = ENVIRONMENT_HEADERS.slice(1).map((h, i) => [h, ...rows.map((row) => row[i + 1])]);
        out.push(textTable(['', ...rows.map((row) => row[0])], transposed).trimEnd());
        const slow = r.environments.flatMap((e) => e.slowest.map((s) => [e.environment, s.version, units_duration(s.durationMs), s.file ?? '']));
        if (slow.length)
            out.push('', 'Slowest migrations:', textTable(['ENVIRONMENT', 'VERSION', 'DURATION', 'FILE'], slow).trimEnd());
    }
    const coverage = coverageText(r);
    if (coverage)
        out.push('', coverage.replace(/`/g, ''));
    return `${out.join('\n')}\n`;
}
/** `db-migrate-action history`: one line per recorded attempt, newest first. */
function renderHistoryText(rows) {
    if (rows.length === 0)
        return 'No history recorded.\n';
    return textTable(['STARTED', 'ENVIRONMENT', 'VERSION', 'DIRECTION', 'OUTCOME', 'DURATION', 'ACTOR', 'COMMIT', 'RUN / ERROR'], rows.map((r) => [
        format_when(r.startedAt),
        r.environment ?? '-',
        r.version,
        r.direction,
        r.outcome,
        units_duration(r.durationMs),
        r.actor ?? '-',
        r.gitSha ? r.gitSha.slice(0, 7) : '-',
        [r.error ? `${r.sqlstate ? `${r.sqlstate} ` : ''}${format_firstLine(r.error, 100)}` : '', r.runUrl ?? ''].filter(Boolean).join(' ') || '-',
    ]));
}

;// CONCATENATED MODULE: ./src/cli/commands/report.ts








function source(opts, target) {
    return { target, migrationsTable: opts.migrationsTable, historyTable: opts.historyTable ?? '', connectTimeoutMs: connectTimeoutMs(opts, target) };
}
/** `db-migrate-action history`: the audit trail, newest first. */
async function historyCommand({ opts, target, out }) {
    const rows = await collectHistory(source(opts, target), { environment: opts.environment, limit: opts.limit ?? 50 });
    if (opts.json)
        out(`${JSON.stringify(rows ?? [], null, 2)}\n`);
    else if (rows === null)
        out('No history table in this database: nothing has been recorded yet.\n');
    else
        out(renderHistoryText(rows));
    return 0;
}
/** `db-migrate-action report`: per-environment reliability over a window, as text, markdown, JSON and/or HTML. */
async function reportCommand({ opts, target, io, out }) {
    const cwd = io.cwd;
    // With --json or --markdown stdout is the document alone; the HTML file's note goes to stderr then.
    const info = opts.json || opts.markdown ? (s) => io.stderr(s) : out;
    const report = await collectReport({
        ...source(opts, target),
        since: parseSince(opts.since ?? '30d'),
        ...(opts.environment ? { environment: opts.environment } : {}),
        migrationsDirs: [...opts.migrationsDirs],
        cwd,
    });
    if (opts.htmlFile) {
        const file = (0,external_node_path_.resolve)(cwd, opts.htmlFile);
        await (0,promises_namespaceObject.mkdir)((0,external_node_path_.dirname)(file), { recursive: true });
        await (0,promises_namespaceObject.writeFile)(file, renderHtml(report));
        info(`Wrote the HTML report to ${opts.htmlFile}\n`);
    }
    if (opts.json)
        out(`${JSON.stringify(report, null, 2)}\n`);
    else if (opts.markdown)
        out(renderMarkdown(report));
    else
        out(renderText(report));
    return 0;
}

;// CONCATENATED MODULE: ./src/cli/commands/run-result.ts


/**
 * The end of `up`/`migrate`/`rollback`: under `--json` print the run as a document (also when it
 * failed, so scripts see which step broke), then throw the run's error for `main` to print (exit 2).
 *
 * @returns 0 when the run succeeded
 */
function finishRun(opts, r, out) {
    if (opts.json)
        out(`${JSON.stringify(runJson(r), null, 2)}\n`);
    if (r.error)
        throw opts.json ? reportedInDocument(r.error) : r.error;
    return 0;
}
function runJson(r) {
    // The action's `status` words: the CLI has no automatic rollback, so never `rolled-back`.
    const status = r.cancelled ? 'cancelled' : r.error ? 'failed' : r.steps.length ? 'success' : 'nothing-to-do';
    return {
        command: r.command,
        status,
        ...(r.stateUnknown ? { stateUnknown: true, unknownReason: r.unknownReason } : {}),
        steps: r.steps.map((s) => ({
            version: s.version,
            file: s.displayPath,
            direction: s.direction,
            outcome: s.outcome,
            transaction: s.transaction,
            durationMs: Math.round(s.durationMs * 1000) / 1000,
            attempts: s.attempts,
            ...(s.committedUnheard ? { committedUnheard: true } : {}),
            error: s.error ? errorJson(s.error) : undefined,
        })),
        pending: r.pending,
        currentVersion: r.currentVersion ?? null,
        schemaFile: r.schemaFile ?? null,
        dumpError: r.dumpError?.message,
        durationMs: r.durationMs,
        // The same object `main` prints as `{"error": …}` for the other commands (json-error.ts).
        ...(r.error ? { error: jsonError(r.error) } : {}),
    };
}
function errorJson(e) {
    if (e instanceof SqlMigrationError)
        return { code: e.code, message: e.message, hint: e.hint, ...e.failure };
    return { code: e.code, message: e.message, hint: e.hint };
}

;// CONCATENATED MODULE: ./src/cli/commands/rollback.ts


/**
 * `rollback` (alias `down`): undo the last applied migration in filename order, as dbmate picks it,
 * or the last `--steps N`. `--dry-run` prints what would be undone instead. When fewer than N were
 * applied, stdout stays dbmate's and stderr says how many of the N were undone.
 *
 * @throws the run's error (nothing applied, a failing down section) after `--json` printed the run
 */
async function rollbackCommand(ctx) {
    const { opts, migrator, out, log } = ctx;
    if (opts.dryRun)
        return planRollbackCommand(ctx);
    const requested = opts.steps ?? 1;
    const r = await migrator.rollback({ steps: requested });
    const done = r.steps.filter((s) => s.direction === 'down' && s.outcome === 'rolled-back').length;
    // Only a run that ended because the ledger ran out: a failure or a cancel says its own reason.
    if (!r.error && !r.cancelled && done > 0 && done < requested) {
        log.warn(`rolled back ${done} of the ${requested} requested: only ${done} ${done === 1 ? 'was' : 'were'} applied`);
    }
    return finishRun(opts, r, out);
}

;// CONCATENATED MODULE: ./src/cli/commands/status.ts

/**
 * `status`: dbmate's `[X]`/`[ ]` list and counts byte for byte (anything extra, such as edited-file
 * warnings, goes to stderr); `--json` prints the status instead; `--quiet` prints nothing.
 *
 * @returns 1 under `--exit-code`/`--quiet` when migrations are pending, else 0
 */
async function statusCommand({ opts, migrator, out, log }) {
    const s = await migrator.status();
    if (opts.json) {
        out(`${JSON.stringify(s, null, 2)}\n`);
    }
    else if (!opts.quiet) {
        out(s.entries.map((e) => `${e.applied ? '[X]' : '[ ]'} ${e.fileName}\n`).join('') + `\nApplied: ${s.applied}\nPending: ${s.pending}\n`);
    }
    if (!opts.quiet) {
        for (const v of s.edited) {
            const e = s.entries.find((x) => x.version === v);
            log.warn(editedWarning(e?.fileName ?? v));
        }
    }
    return (opts.exitCode || opts.quiet) && s.pending > 0 ? 1 : 0;
}

;// CONCATENATED MODULE: ./src/cli/commands/up.ts



/**
 * `up` and `migrate`: apply pending migrations (`--steps N`: at most N); `up` first creates the
 * database when it is missing, as dbmate does. `--dry-run` prints the plan instead. The pending
 * files are linted first, under the lock (lint-preflight.ts): findings are warnings on stderr, and
 * stop the run with nothing applied only under `--lint-fail-on`.
 *
 * @throws the run's error (connection, SQL, `--strict` order, `LINT_FAILED`) after `--json` printed the run
 */
async function upCommand(ctx) {
    const { opts, migrator, out } = ctx;
    if (opts.dryRun)
        return planCommand(ctx);
    return finishRun(opts, await migrator.up({ createDatabase: opts.command === 'up', steps: opts.steps, beforeApply: lintBeforeApply(ctx) }), out);
}

;// CONCATENATED MODULE: ./src/engine/plan.ts

/** The reportable part of a file. */
function refOf(file) {
    return { version: file.version, fileName: file.fileName, displayPath: file.displayPath };
}
/** Compare files with applied versions. Pure. */
function makePlan(files, applied) {
    const known = new Set(files.map((f) => f.version));
    const rows = files.map((file) => ({ file, applied: applied.has(file.version) }));
    let highestApplied;
    for (const r of rows)
        if (r.applied && (highestApplied === undefined || r.file.version > highestApplied))
            highestApplied = r.file.version;
    return {
        files: rows,
        pending: rows.filter((r) => !r.applied).map((r) => r.file),
        orphans: [...applied].filter((v) => !known.has(v)).sort(),
        highestApplied,
    };
}
/**
 * dbmate's --strict: the first pending version must be higher than every applied one.
 * Same message as dbmate so scripts that match it keep working.
 */
function checkStrictOrder(plan) {
    const first = plan.pending[0];
    if (first && plan.highestApplied !== undefined && first.version <= plan.highestApplied) {
        throw new errors_MigrationError('OUT_OF_ORDER', `migration \`${first.version}\` is out of order with already applied migrations, the version number has to be higher than the applied migration \`${plan.highestApplied}\` in --strict mode`, { hint: `rename ${first.displayPath} with a newer timestamp (db-migrate-action new), or run without --strict`, file: first.displayPath });
    }
}
/**
 * Which applied files `rollback` undoes, newest first: repeatedly the last file in filename
 * order whose version is applied (dbmate's rule, which is not the numeric maximum).
 */
function rollbackTargets(plan, steps) {
    return plan.files
        .filter((r) => r.applied)
        .map((r) => r.file)
        .reverse()
        .slice(0, steps);
}
/**
 * Order versions for undoing, newest first: by position in dbmate's file order (file-name
 * order, the order `up` applies them), reversed. Versions with no file come first, so a rollback
 * stops on them before undoing anything it cannot place.
 */
function newestFirst(files, versions) {
    const pos = new Map(files.map((f, i) => [f.version, i]));
    const rank = (v) => pos.get(v) ?? Number.POSITIVE_INFINITY;
    return [...versions].sort((a, b) => rank(b) - rank(a) || (a < b ? 1 : a > b ? -1 : 0));
}

;// CONCATENATED MODULE: ./src/engine/cancel.ts
/**
 * Cancellation of a run from the outside (a CI job cancelled: SIGINT, then SIGTERM). The caller
 * aborts an `AbortSignal` with the signal's name as its reason; the engine then starts nothing
 * new, cancels the statement in flight, and says in every message what stopped the run.
 */

/** What cancelled the run, for messages: the reason given to `abort()` (e.g. `SIGINT`), else `cancel`. */
function abortReason(signal) {
    const r = signal?.reason;
    if (typeof r === 'string')
        return r;
    if (r instanceof Error && r.name !== 'AbortError')
        return r.message;
    return 'cancel';
}
/** The error of a run stopped by `signal` before `what` (e.g. `the next migration`). */
function cancelledError(signal, what) {
    return new errors_MigrationError('CANCELLED', `cancelled by ${abortReason(signal)} before ${what}`, {
        hint: 'the run stopped on purpose; run it again to continue (migrations that completed stay applied)',
    });
}
/** Whether an error is a cancellation (ours, or a statement the server cancelled for it). */
function isCancellation(err) {
    return err?.code === 'CANCELLED';
}

;// CONCATENATED MODULE: ./src/engine/sleep.ts
/**
 * Resolve after `ms` milliseconds: the one timer behind every retry, backoff and poll. With a
 * `signal`, an abort ends the wait at once (the caller checks `signal.aborted` afterwards), so a
 * cancelled run never sits out a backoff.
 */
function sleep(ms, signal) {
    if (signal?.aborted)
        return Promise.resolve();
    return new Promise((resolve) => {
        const done = () => {
            clearTimeout(timer);
            signal?.removeEventListener('abort', done);
            resolve();
        };
        const timer = setTimeout(done, ms);
        signal?.addEventListener('abort', done, { once: true });
    });
}

;// CONCATENATED MODULE: ./src/engine/guard.ts
/**
 * The watch over the session that holds the migration lock, for as long as it holds it. A
 * network that dies silently (packets dropped, sockets left open) gives node-postgres no error,
 * ever: without this a run waits forever and its session keeps the lock. So:
 *
 * - while a statement runs, a second connection asks `pg_stat_activity` about our backend: still
 *   `active` is a long statement doing its work (an index build may take an hour, and is never
 *   cut); gone, or idle while we still wait for its answer, means the answer was lost;
 * - while the session is idle (a backup, health checks), a `select 1` now and then proves it alive
 *   and keeps the server's `idle_session_timeout` from firing;
 * - no answer from the server for `livenessTimeoutMs`: the session is declared dead and its
 *   socket closed, so the statement in flight fails as a lost connection and the run can tell
 *   the truth (see `settleRun`);
 * - the server ends the session itself when we vanish: `idle_session_timeout` (PostgreSQL 14+)
 *   is set to twice the timeout, so a stale session never keeps the lock for long. It is only
 *   ever lowered: a server (or role, or database) value that is already shorter is a DBA's
 *   guardrail and holds; and it is never set on a session not shown to own its server process
 *   (`topology.ts`), where it would leak into other clients' sessions;
 * - an aborted `signal` (job cancelled) cancels the statement in flight with
 *   `pg_cancel_backend`, so its transaction rolls back; if that cannot be done quickly, the
 *   socket is closed and the run reports what it knows.
 */


/**
 * The `idle_session_timeout` the guard sets, ms, or undefined to keep the server's: twice the
 * liveness timeout (at least 1 s), unless the server's own value (0 = none) is already as short.
 */
function idleSessionTimeoutToSet(livenessTimeoutMs, serverMs) {
    if (livenessTimeoutMs <= 0 || serverMs === null)
        return undefined;
    const ours = Math.max(1000, livenessTimeoutMs * 2);
    return serverMs > 0 && serverMs <= ours ? undefined : ours;
}
/** SQLSTATE connection_failure: what a statement in flight fails with when the guard ends the session. */
const CONNECTION_DEAD = '08006';
/** How long a cancelled statement may take to end before its connection is closed instead. */
const CANCEL_GRACE_MS = 3000;
/** The watch over one session; {@link SessionGuard.start} it after connecting, {@link SessionGuard.stop} it before closing. */
class SessionGuard {
    /** The server process of the session, as `pg_backend_pid()` says (a pooler's own id would be wrong). */
    pid;
    /** When that process started, as the server writes it: with the pid, names it even after pids are reused. */
    backendStart;
    /** Why the guard closed the session, when it did; the statement in flight failed with this message. */
    lostReason;
    /** Whether a cancel was sent for a statement in flight. */
    cancelSent = false;
    conn;
    s;
    tickMs;
    inflight = 0;
    lastContact = Date.now();
    side;
    sideOpening;
    timer;
    ticking = false;
    onAbort = () => void this.cancel();
    query;
    constructor(conn, pid, backendStart, s) {
        this.conn = conn;
        this.pid = pid;
        this.backendStart = backendStart;
        this.s = s;
        // Six looks per timeout: a dead network is noticed within the timeout plus one tick.
        this.tickMs = Math.min(5000, Math.max(100, Math.floor(s.livenessTimeoutMs / 6)));
        this.query = conn.query;
    }
    /** Read the session's pid, ask the server to end the session if we vanish, and start watching. */
    static async start(conn, s) {
        // pg_settings has no idle_session_timeout before PostgreSQL 14: null, nothing to set.
        const { rows } = await conn.query(`select pg_backend_pid() as pid, (select backend_start::text from pg_stat_activity where pid = pg_backend_pid()) as started,
              (select setting from pg_settings where name = 'idle_session_timeout') as idle`);
        const guard = new SessionGuard(conn, rows[0].pid, rows[0].started, s);
        const idle = s.ownsBackend ? idleSessionTimeoutToSet(s.livenessTimeoutMs, rows[0].idle === null ? null : Number(rows[0].idle)) : undefined;
        if (idle !== undefined) {
            // Our own heartbeats keep an alive session from idling this long; only a vanished client does.
            await conn.query(`set idle_session_timeout = ${idle}`);
        }
        guard.track();
        if (s.livenessTimeoutMs > 0) {
            guard.timer = setInterval(() => void guard.tick(), guard.tickMs);
            guard.timer.unref();
        }
        s.signal?.addEventListener('abort', guard.onAbort, { once: true });
        return guard;
    }
    /** Stop watching; the session itself is the caller's to close. */
    async stop() {
        if (this.timer)
            clearInterval(this.timer);
        this.s.signal?.removeEventListener('abort', this.onAbort);
        this.conn.query = this.query;
        const opening = this.sideOpening;
        this.side = undefined;
        this.sideOpening = undefined;
        // One still being opened is closed when it arrives; the run does not wait for it.
        if (opening)
            void opening.then((c) => closeQuietly(c), () => undefined);
    }
    /** Count the session's queries in flight, and take every answer as a sign of life. */
    track() {
        const original = this.query.bind(this.conn);
        this.conn.query = (...args) => {
            const p = original(...args);
            if (!(p instanceof Promise))
                return p;
            this.inflight++;
            const settled = (answered) => {
                this.inflight--;
                if (answered)
                    this.lastContact = Date.now();
            };
            // An SQL error is an answer too; only a lost connection is not.
            p.then(() => settled(true), (err) => settled(err?.severity !== undefined));
            return p;
        };
    }
    async tick() {
        if (this.lostReason)
            return;
        // Checked on every tick, also while a look is still waiting for its answer.
        const silent = Date.now() - this.lastContact;
        if (this.inflight > 0 && silent > this.s.livenessTimeoutMs) {
            this.end(`no answer from the database for ${Math.round(silent / 1000)} s (liveness-timeout ${Math.round(this.s.livenessTimeoutMs / 1000)} s)`);
            return;
        }
        if (this.ticking)
            return;
        this.ticking = true;
        try {
            const heartbeatMs = this.s.livenessTimeoutMs / 3;
            if (this.inflight === 0) {
                // Goes through the tracking wrapper: if it is never answered, the next ticks look from outside.
                if (Date.now() - this.lastContact >= heartbeatMs)
                    void this.conn.query('select 1').catch(() => undefined);
                return;
            }
            if (Date.now() - this.lastContact < this.tickMs)
                return;
            const seen = await this.look();
            if (seen?.state === 'active')
                this.lastContact = Date.now();
            if (seen?.state === 'gone')
                return this.end(`the session's server process (pid ${this.pid}) ended while a statement was running`);
            if (seen?.state === 'idle') {
                // Idle on the server while we still wait: its answer will never arrive.
                if (seen.idleMs > 2 * this.tickMs)
                    return this.end(`the server finished the statement ${Math.round(seen.idleMs / 1000)} s ago but its answer never arrived`);
                this.lastContact = Date.now();
            }
        }
        finally {
            this.ticking = false;
        }
    }
    /** Our backend as `pg_stat_activity` shows it, through the side connection; undefined when the server does not answer in time. */
    async look() {
        const rows = await this.onSide((c) => c.query('select state, extract(epoch from clock_timestamp() - state_change) * 1000 as idle_ms from pg_stat_activity where pid = $1', [this.pid]), 2 * this.tickMs);
        if (!rows)
            return undefined;
        const r = rows.rows[0];
        if (!r)
            return { state: 'gone' };
        return r.state?.startsWith('idle') ? { state: 'idle', idleMs: Number(r.idle_ms ?? 0) } : { state: 'active' };
    }
    /**
     * The side connection, opened on first use and kept. Its opening may take longer than one
     * look's deadline over a slow network, so it is not abandoned when a look gives up; only a
     * failed opening or a query that got no answer drops it.
     */
    openSide() {
        this.sideOpening ??= connect(this.s.target, { connectTimeoutMs: this.s.connectTimeoutMs || this.s.livenessTimeoutMs || CANCEL_GRACE_MS }).then((c) => (this.side = c), (err) => {
            this.sideOpening = undefined;
            throw err;
        });
        return this.sideOpening;
    }
    /**
     * Run `fn` on the side connection within `deadlineMs`; undefined on any failure or when the
     * deadline passes. Nothing here waits on a dead network: a side connection whose query got no
     * answer is destroyed, not ended, and opened again next time.
     */
    async onSide(fn, deadlineMs) {
        let timer;
        const late = new Promise((resolve) => {
            timer = setTimeout(() => resolve('late'), deadlineMs);
        });
        let asked;
        const work = this.openSide().then((c) => ((asked = c), fn(c)));
        try {
            const r = await Promise.race([work.then((v) => ({ v }), () => 'failed'), late]);
            if (typeof r === 'object')
                return r.v;
            if (asked)
                this.dropSide(asked);
            return undefined;
        }
        finally {
            clearTimeout(timer);
        }
    }
    dropSide(c) {
        destroySocket(c);
        if (this.side === c) {
            this.side = undefined;
            this.sideOpening = undefined;
        }
    }
    /** The job was cancelled: cancel the statement in flight so its transaction rolls back. */
    async cancel() {
        if (this.inflight === 0 || this.lostReason)
            return;
        this.cancelSent = true;
        const sent = await this.onSide((c) => c.query('select pg_cancel_backend($1)', [this.pid]), CANCEL_GRACE_MS);
        if (!sent) {
            this.end('the run was cancelled and the database could not be reached to cancel the statement in flight');
            return;
        }
        // A cancelled statement ends within milliseconds; one that does not is not waited for.
        const deadline = setTimeout(() => {
            if (this.inflight > 0)
                this.end(`the run was cancelled and the statement in flight did not end within ${CANCEL_GRACE_MS} ms of its cancel`);
        }, CANCEL_GRACE_MS);
        deadline.unref();
    }
    /** Close the session's socket: the statement in flight fails at once with `reason`. */
    end(reason) {
        if (this.lostReason)
            return;
        this.lostReason = reason;
        this.s.log.warn(`${reason}: closing the connection`);
        destroySocket(this.conn, Object.assign(new Error(`connection closed by db-migrate-action: ${reason}`), { code: CONNECTION_DEAD }));
    }
}
/**
 * End a guarded session's server process from another connection and wait until it is gone, so
 * that what the ledger says afterwards is final: a backend whose client vanished may still be
 * running the migration, and commit it later. True when the process is gone (or was already);
 * false when it is still there at the deadline (or may not be ended by this role).
 */
async function endStaleSession(conn, session, deadlineMs) {
    const deadline = Date.now() + deadlineMs;
    const params = [session.pid, session.backendStart];
    const which = 'from pg_stat_activity where pid = $1 and backend_start::text = $2';
    await conn.query(`select pg_terminate_backend(pid) ${which}`, params).catch(() => undefined);
    for (;;) {
        const { rows } = await conn.query(`select 1 ${which}`, params);
        if (rows.length === 0)
            return true;
        if (Date.now() > deadline)
            return false;
        await sleep(25);
    }
}

;// CONCATENATED MODULE: external "node:child_process"
const external_node_child_process_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:child_process");
;// CONCATENATED MODULE: external "node:os"
const external_node_os_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:os");
;// CONCATENATED MODULE: ./src/engine/libpq-params.ts
/**
 * The one table of libpq's connection parameters ("Parameter Key Words", PostgreSQL 18): for each
 * one, what a database URL that names it gets from us. url.ts reads it to decide (honour, accept
 * without effect, or refuse by name), pg-tools.ts to decide which of them a `pg_dump` child is
 * given, so the two never disagree. A libpq keyword is never sent to the server as a setting; a
 * name that is not a libpq keyword (nor a pq-only one) still is, as pq does (`?timezone=UTC`).
 */
const honour = (toPgDump, note, envVar) => ({
    treatment: 'honoured',
    toPgDump,
    note,
    ...(envVar !== undefined ? { envVar } : {}),
});
const accept = (toPgDump, note) => ({ treatment: 'accepted', toPgDump, note });
const refuse = (note, fix, allowed) => ({
    treatment: 'refused',
    toPgDump: false,
    note,
    fix,
    ...(allowed !== undefined ? { allowed } : {}),
});
/** Every libpq connection keyword, in the order of libpq's documentation. */
const LIBPQ_PARAMS = new Map([
    ['host', honour(false, 'one host name, IP address or socket directory; overrides the URL host')],
    ['hostaddr', honour(true, 'the IP address to connect to; the host name still names the server for TLS (SNI, verify-full)')],
    ['port', honour(false, 'one port; overrides the URL port')],
    ['dbname', refuse('the database name belongs in the URL path', 'put the database name in the URL path')],
    ['user', honour(false, 'overrides the URL user')],
    ['password', honour(false, 'overrides the URL password; reaches pg_dump through PGPASSWORD, never argv')],
    ['passfile', refuse('a password file named in the URL is not read', 'leave it out: ~/.pgpass (or the file PGPASSFILE names) is read when the URL has no password; or put the password in the URL')],
    ['require_auth', refuse('node-postgres cannot restrict the authentication method', 'leave it out; to insist on SCRAM with channel binding over TLS use channel_binding=require')],
    ['channel_binding', honour(true, 'disable, prefer (default: SCRAM-SHA-256-PLUS when the server offers it) or require (the connection fails unless the server authenticated with channel binding)', 'PGCHANNELBINDING')],
    ['connect_timeout', honour(true, 'seconds; 0 = no limit (the connect-timeout input wins)')],
    ['client_encoding', honour(true, 'sent at startup')],
    ['options', honour(true, 'sent at startup (e.g. -c work_mem=64MB)')],
    ['application_name', honour(true, 'sent at startup')],
    ['fallback_application_name', honour(true, 'sent at startup')],
    ['keepalives', honour(true, '1 (default) or 0 to turn TCP keepalives off')],
    ['keepalives_idle', honour(true, 'seconds of silence before the first keepalive probe (default 10)')],
    ['keepalives_interval', accept(true, 'Node cannot set it per connection (the OS default applies); the run\'s liveness timeout bounds a silent server')],
    ['keepalives_count', accept(true, 'Node cannot set it per connection (the OS default applies); the run\'s liveness timeout bounds a silent server')],
    ['tcp_user_timeout', accept(true, 'Node cannot set it per connection; the run\'s liveness timeout bounds a silent server')],
    ['replication', refuse('a replication connection cannot run migrations', 'remove replication from the URL')],
    ['gssencmode', honour(true, 'disable or prefer (node-postgres has no GSSAPI: TLS is used); require is refused')],
    ['sslmode', honour(false, 'disable, allow, prefer (default), require, verify-ca, verify-full')],
    ['requiressl', honour(false, 'deprecated: 1 means sslmode=require when sslmode is absent')],
    ['sslnegotiation', honour(true, 'postgres (default) or direct (TLS at once; needs sslmode require or stronger)', 'PGSSLNEGOTIATION')],
    ['sslcompression', accept(true, 'no effect: OpenSSL builds have TLS compression off')],
    ['sslcert', honour(true, 'client certificate file (default ~/.postgresql/postgresql.crt when it exists)')],
    ['sslkey', honour(true, 'client key file (default ~/.postgresql/postgresql.key when it exists)')],
    ['sslkeylogfile', refuse('writing TLS session secrets to a file is not supported', 'remove sslkeylogfile from the URL')],
    ['sslpassword', honour(false, 'passphrase of an encrypted sslkey; reaches pg_dump through a private service file, never argv')],
    ['sslcertmode', refuse('only the default, allow (send the client certificate when the server asks), is supported', 'remove sslcertmode, or set it to allow', 'allow')],
    ['sslrootcert', honour(false, 'CA file, or system for the system\'s trusted CAs (needs verify-full); the same CAs serve pg_dump')],
    ['sslcrl', honour(true, 'certificate revocation list file')],
    ['sslcrldir', honour(true, 'directory of certificate revocation list files', 'PGSSLCRLDIR')],
    ['sslsni', honour(true, '1 (default) or 0; 0 only with hostaddr or an IP address (node-postgres always sends a host name)', 'PGSSLSNI')],
    ['requirepeer', refuse('node-postgres cannot check the operating-system user of a Unix-socket server', 'remove requirepeer, or connect over TCP with sslmode=verify-full')],
    ['ssl_min_protocol_version', honour(true, 'TLSv1, TLSv1.1, TLSv1.2 (default) or TLSv1.3')],
    ['ssl_max_protocol_version', honour(true, 'TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3')],
    ['min_protocol_version', accept(false, 'only 3.0: node-postgres speaks protocol 3.0 (3.2 is refused)')],
    ['max_protocol_version', accept(false, '3.0, 3.2 or latest; node-postgres speaks protocol 3.0')],
    ['krbsrvname', accept(true, 'no effect: node-postgres has no GSSAPI/Kerberos')],
    ['gsslib', accept(false, 'no effect: node-postgres has no GSSAPI')],
    ['gssdelegation', accept(false, 'no effect: node-postgres has no GSSAPI')],
    ['scram_client_key', refuse('SCRAM pass-through keys are not supported', 'use a password')],
    ['scram_server_key', refuse('SCRAM pass-through keys are not supported', 'use a password')],
    ['service', refuse('connection service files are not read', 'put the connection settings in the URL')],
    ['target_session_attrs', honour(true, 'any (default), read-write, read-only, primary, standby or prefer-standby; checked on the server after connecting', 'PGTARGETSESSIONATTRS')],
    ['load_balance_hosts', refuse('load balancing needs several hosts, which are not supported', 'remove load_balance_hosts (disable is the default)', 'disable')],
    ['oauth_issuer', refuse('node-postgres has no OAuth authentication', 'use a password or a client certificate')],
    ['oauth_client_id', refuse('node-postgres has no OAuth authentication', 'use a password or a client certificate')],
    ['oauth_client_secret', refuse('node-postgres has no OAuth authentication', 'use a password or a client certificate')],
    ['oauth_scope', refuse('node-postgres has no OAuth authentication', 'use a password or a client certificate')],
]);
/**
 * pq's own client settings (not libpq's): ignored, as before, and never sent to the server or
 * to pg_dump. `socket` and `search_path` are handled by url.ts (dbmate's rules, DBMATE_COMPAT §8).
 */
const PQ_ONLY_PARAMS = new Set(['binary_parameters', 'disable_prepared_binary_result', 'sslinline', 'krbspn']);
/** The libpq keywords a pg_dump child gets in its URL as written (see {@link LibpqParam.toPgDump}). */
const LIBPQ_DUMP_PARAMS = new Set([...LIBPQ_PARAMS].filter(([, p]) => p.toPgDump).map(([name]) => name));
/**
 * Why a URL may not name `name=value`: `<name> is not supported: <why>; <what to do>` for a
 * refused keyword (unless `value` is its {@link LibpqParam.allowed} default), else undefined.
 */
function refusalOf(name, value) {
    const p = LIBPQ_PARAMS.get(name);
    if (p?.treatment !== 'refused' || (p.allowed !== undefined && value === p.allowed))
        return undefined;
    return `${name} is not supported: ${p.note}; ${p.fix}`;
}

;// CONCATENATED MODULE: ./src/engine/pg-tools.ts
/**
 * The one place that finds and runs PostgreSQL's client programs (`pg_dump`, `pg_restore`).
 *
 * A pg_dump refuses a server of a newer major ("server version mismatch"), and a dump by another
 * major differs in its text, so which binary runs matters: {@link choosePgDump} picks one by a
 * {@link PgDumpPolicy}, {@link serverVersion} says what the server is, {@link readVersion} what a
 * binary is, and {@link runCommand} runs it without a shell. {@link childConnection} gives a child
 * the migration connection's settings and trust; the password never reaches argv: it
 * travels in `PGPASSWORD` ({@link dumpEnv}), and every spawn can be reported to a {@link SpawnHook}
 * so tests can prove it.
 */





/** The server's version, for choosing pg_dump and for messages. */
async function serverVersion(conn) {
    const { rows } = await conn.query("select current_setting('server_version_num') as num, current_setting('server_version') as text");
    const num = Number(rows[0].num);
    const major = Math.floor(num / 10000);
    const minor = num >= 100000 ? num % 10000 : Math.floor(num / 100) % 100;
    return { num, major, minor, text: rows[0].text.split(/\s/)[0] };
}
// --- handing a database to a client program --------------------------------------------------
/**
 * The URL to give pg_dump: dbmate's normalised form (scheme `postgres`, explicit port, socket dirs
 * as `host=`), without `search_path`/`binary_parameters` (pg_dump gets `--schema` args instead),
 * with the libpq keywords the parameter table passes on ({@link LIBPQ_DUMP_PARAMS}), the
 * sslmode in effect (always explicit, so `PGSSLMODE` cannot make pg_dump disagree), and the
 * trust configuration's CA file when it has one ({@link childConnection} adds a private copy when
 * it has none). **Without the password** or `sslpassword`: pass {@link dumpEnv} as env.
 */
function dumpArgsUrl(target) {
    const entries = new Map();
    const isSocket = target.host.startsWith('/');
    if (isSocket)
        entries.set('host', target.host);
    const params = paramsOf(target.raw);
    for (const name of new Set(params.keys())) {
        const value = params.get(name) ?? '';
        if (LIBPQ_DUMP_PARAMS.has(name) && value !== '')
            entries.set(name, value);
    }
    entries.set('sslmode', target.sslmode);
    if (target.trust?.file !== undefined)
        entries.set('sslrootcert', target.trust.file);
    if (target.homeClientCert !== undefined) {
        entries.set('sslcert', target.homeClientCert.cert);
        entries.set('sslkey', target.homeClientCert.key);
    }
    return buildUrl(target, entries);
}
function buildUrl(target, entries) {
    const query = [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([n, v]) => `${n}=${encodeURIComponent(v)}`);
    const isSocket = target.host.startsWith('/');
    const userinfo = target.user !== undefined ? `${encodeURIComponent(target.user)}@` : '';
    const hostPart = isSocket ? '' : target.host.includes(':') ? `[${target.host}]` : target.host;
    const db = target.database === '' ? '' : `/${encodeURIComponent(target.database)}`;
    return `postgres://${userinfo}${hostPart}:${target.port}${db}${query.length > 0 ? `?${query.join('&')}` : ''}`;
}
/** Environment for pg_dump/psql children: the password travels here, never on the command line. */
function dumpEnv(target) {
    return target.password !== undefined ? { PGPASSWORD: target.password } : {};
}
/** The service name of the private service file that carries `sslpassword` to a child. */
const CHILD_SERVICE = 'db_migrate_child';
/**
 * The one way a child process connects to `target` with the migration connection's settings:
 * {@link dumpArgsUrl}, plus private files (a folder of mode 0700, files 0600, under the OS temp
 * dir, removed by `cleanup`) for what cannot travel in argv or libpq 15 cannot read:
 * - the trust configuration's CAs when no file holds them (Node's CAs, or the system's as Node
 *   read them), as `sslrootcert`, so pg_dump trusts exactly what the migration connection trusts;
 * - `sslpassword`, in a service file (`PGSERVICEFILE`, `service=`): libpq has no variable for it.
 * Keywords newer than the child's libpq may be ({@link LibpqParam.envVar}) go in its environment.
 */
async function childConnection(target) {
    const env = dumpEnv(target);
    const entries = new Map(new URLSearchParams(/\?(.*)$/.exec(dumpArgsUrl(target))?.[1] ?? ''));
    // Keywords an older libpq (a pg_dump 15 for a PG 15 server) does not know travel as variables.
    for (const [name, value] of [...entries]) {
        const envVar = LIBPQ_PARAMS.get(name)?.envVar;
        if (envVar === undefined)
            continue;
        env[envVar] = value;
        entries.delete(name);
    }
    const needsCa = target.trust !== undefined && target.trust.file === undefined;
    if (!needsCa && target.sslPassword === undefined)
        return { url: buildUrl(target, entries), env, cleanup: async () => undefined };
    const dir = await (0,promises_namespaceObject.mkdtemp)((0,external_node_path_.join)((0,external_node_os_namespaceObject.tmpdir)(), 'db-migrate-conn-'));
    const cleanup = () => (0,promises_namespaceObject.rm)(dir, { recursive: true, force: true }).catch(() => undefined);
    try {
        await (0,promises_namespaceObject.chmod)(dir, 0o700);
        if (needsCa) {
            const ca = (0,external_node_path_.join)(dir, 'root.crt');
            await (0,promises_namespaceObject.writeFile)(ca, target.trust.pems, { mode: 0o600, flag: 'wx' });
            entries.set('sslrootcert', ca);
        }
        if (target.sslPassword !== undefined) {
            if (/[\r\n]/.test(target.sslPassword))
                throw new Error('sslpassword holds a line break, which a libpq service file cannot carry');
            const service = (0,external_node_path_.join)(dir, 'pg_service.conf');
            await (0,promises_namespaceObject.writeFile)(service, `[${CHILD_SERVICE}]\nsslpassword=${target.sslPassword}\n`, { mode: 0o600, flag: 'wx' });
            entries.set('service', CHILD_SERVICE);
            env.PGSERVICEFILE = service;
        }
        return { url: buildUrl(target, entries), env, cleanup: async () => void (await cleanup()) };
    }
    catch (err) {
        await cleanup();
        throw err;
    }
}
/** The query parameters of a URL as written. */
function paramsOf(raw) {
    const q = /\?([^#]*)/.exec(raw.trim());
    return new URLSearchParams(q ? q[1] : '');
}
/** Run a program without a shell, reporting the exact argv first; never rejects. */
function runCommand(cmd, args, opts = {}) {
    const extra = opts.extraEnv ?? {};
    opts.onSpawn?.(cmd, [...args], Object.keys(extra));
    return new Promise((res) => {
        let child;
        try {
            child = (0,external_node_child_process_namespaceObject.spawn)(cmd, args, { env: { ...(opts.baseEnv ?? process.env), ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
        }
        catch (err) {
            res({ code: null, signal: null, stdout: '', stderr: '', error: err });
            return;
        }
        // Our own timer rather than spawn's `timeout`, whose timer outlives a child that failed to start.
        const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGTERM'), opts.timeoutMs) : undefined;
        timer?.unref();
        const kill = () => child.kill('SIGTERM');
        if (opts.signal?.aborted)
            kill();
        else
            opts.signal?.addEventListener('abort', kill, { once: true });
        const out = [];
        const err = [];
        let spawnError;
        child.stdout.on('data', (b) => out.push(b));
        child.stderr.on('data', (b) => err.push(b));
        child.on('error', (e) => (spawnError = e));
        child.on('close', (code, signal) => {
            if (timer)
                clearTimeout(timer);
            opts.signal?.removeEventListener('abort', kill);
            res({
                code,
                signal,
                stdout: Buffer.concat(out).toString('utf8'),
                stderr: Buffer.concat(err).toString('utf8'),
                ...(spawnError ? { error: spawnError } : {}),
            });
        });
    });
}
/** `<tool> --version` → [major, minor], or why it could not be read. */
async function readVersion(cmd, onSpawn) {
    const r = await runCommand(cmd, ['--version'], { timeoutMs: 10_000, onSpawn });
    // Errors from child_process may come from another realm (jest's vm), so no instanceof here.
    if (r.error)
        return { error: r.error.message };
    if (r.code !== 0)
        return { error: `\`${cmd} --version\` exited with code ${r.code}: ${r.stderr.trim()}` };
    const m = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(r.stdout) ?? /(\d+)(?:\.(\d+))?/.exec(r.stdout);
    if (!m)
        return { error: `cannot read a version from \`${cmd} --version\`: ${r.stdout.trim()}` };
    return { version: [Number(m[1]), Number(m[2] ?? 0)] };
}
/** `pg_dump --version` → [major, minor], or undefined when it cannot be run or read. */
async function pgDumpVersion(pgDump = 'pg_dump') {
    const read = await readVersion(pgDump);
    return 'version' in read ? read.version : undefined;
}
/**
 * Choose the pg_dump for a server: the explicit path when given (validated: it runs and its major
 * fits the policy), else the newest pg_dump found in the search directories whose major fits. On
 * equal versions the search order decides (PATH before the versioned directories).
 */
async function choosePgDump(opts) {
    const need = opts.serverMajor;
    const server = opts.serverVersion ?? String(need);
    const words = WORDS[opts.policy];
    const pairs = opts.policy === 'at-least';
    const run = (cmd) => readVersion(cmd, opts.onSpawn);
    if (opts.explicitPath !== undefined && opts.explicitPath.trim() !== '') {
        const given = resolve(opts.explicitPath.trim());
        const pgDump = (await isDirectory(given)) ? join(given, 'pg_dump') : given;
        const read = await run(pgDump);
        if ('error' in read)
            return { refusal: { kind: 'missing', ...words.unrunnable(pgDump, read.error, need) } };
        const { version } = read;
        if (!words.fits(version, need))
            return { refusal: { kind: 'version', ...words.explicitMismatch(pgDump, version, server, need) } };
        const considered = [{ path: pgDump, version }];
        if (!pairs)
            return { found: { pgDump, version, source: 'explicit', considered } };
        const pgRestore = await pairedRestore(pgDump, need, opts.onSpawn);
        if (typeof pgRestore !== 'string')
            return { refusal: pgRestore };
        return { found: { pgDump, pgRestore, version, source: 'explicit', considered } };
    }
    const dirs = opts.searchDirs ?? (await defaultSearchDirs(opts.envPath ?? process.env.PATH ?? ''));
    const considered = [];
    const seen = new Set();
    for (const dir of dirs) {
        const path = join(resolve(dir), 'pg_dump');
        if (seen.has(path) || !(await isExecutableFile(path)))
            continue;
        seen.add(path);
        const read = await run(path);
        considered.push('error' in read ? { path, rejected: `cannot run: ${read.error}` } : { path, version: read.version });
    }
    // Newest first; on equal versions keep search order (the sort is stable).
    const usable = considered
        .filter((c) => c.version !== undefined)
        .sort((a, b) => b.version[0] - a.version[0] || b.version[1] - a.version[1]);
    for (const c of usable)
        if (!words.fits(c.version, need))
            c.rejected = words.rejected(c.version, need);
    let restoreProblem;
    for (const c of usable) {
        if (c.rejected)
            continue;
        let pgRestore;
        if (pairs) {
            const paired = await pairedRestore(c.path, need, opts.onSpawn);
            if (typeof paired !== 'string') {
                c.rejected = paired.message;
                restoreProblem ??= paired;
                continue;
            }
            pgRestore = paired;
        }
        for (const o of considered)
            if (o !== c)
                o.rejected ??= `not the newest suitable (${formatPgVersion(c.version)} at ${c.path} is)`;
        opts.logger?.debug(`pg_dump: using ${c.path} (${formatPgVersion(c.version)}) for a PostgreSQL ${server} server; considered ${describe(considered)}`);
        return { found: { pgDump: c.path, ...(pgRestore !== undefined ? { pgRestore } : {}), version: c.version, source: 'search', considered } };
    }
    opts.logger?.debug(`pg_dump: none suitable for PostgreSQL ${server}; considered ${describe(considered)}`);
    if (restoreProblem)
        return { refusal: restoreProblem };
    const where = opts.searchDirs ? `searched ${dirs.join(', ') || 'no directories'}` : 'searched PATH, /usr/lib/postgresql/*/bin and /usr/pgsql-*/bin';
    const newest = usable[0];
    if (!newest)
        return { refusal: { kind: 'missing', ...words.noneFound(server, need, where) } };
    return { refusal: { kind: 'version', ...words.noneFits(newest, server, need, where) } };
}
const WORDS = {
    'at-least': {
        fits: (v, need) => v[0] >= need,
        rejected: (v, need) => `major ${v[0]} < server major ${need}`,
        unrunnable: (path, error, need) => ({
            message: `pg-dump-path ${path} cannot be run: ${error}`,
            hint: `point pg-dump-path at a pg_dump ${need} or newer binary, or leave it empty to search PATH and /usr/lib/postgresql/*/bin; ${installHint(need)}`,
        }),
        explicitMismatch: (path, v, server, need) => ({ message: `${tooOld(v, server, need)} (pg-dump-path ${path})`, hint: installHint(need) }),
        noneFound: (server, need, where) => ({
            message: `no pg_dump found to back up a PostgreSQL ${server} server: pg_dump must be version ${need} or newer (${where})`,
            hint: installHint(need),
        }),
        noneFits: (newest, server, need, where) => ({
            message: `${tooOld(newest.version, server, need)} (newest found: ${newest.path}; ${where})`,
            hint: installHint(need),
        }),
    },
    'same-major': {
        fits: (v, need) => v[0] === need,
        rejected: (v, need) => `major ${v[0]} is not the server major ${need}`,
        unrunnable: (path, _error, need) => ({ message: `cannot run ${path} to dump the live schema`, hint: sameMajorHint(need) }),
        explicitMismatch: (path, v, _server, need) => ({
            message: `${path} is version ${v[0]} but the server is PostgreSQL ${need}: a dump by another major version would differ from the schema file for that reason alone; use a pg_dump of the server's major version (pg-dump-path)`,
            hint: sameMajorHint(need),
        }),
        noneFound: (server, need, where) => ({
            message: `no pg_dump found to dump the live schema of a PostgreSQL ${server} server: a pg_dump of major version ${need} is needed (${where}); install postgresql-client-${need} or set pg-dump-path`,
            hint: sameMajorHint(need),
        }),
        noneFits: (newest, server, need, where) => ({
            message: `no pg_dump of major version ${need} found to dump the live schema of a PostgreSQL ${server} server (newest found: pg_dump ${formatPgVersion(newest.version)} at ${newest.path}; ${where}): a dump by another major version would differ from the schema file for that reason alone; install postgresql-client-${need} or set pg-dump-path`,
            hint: sameMajorHint(need),
        }),
    },
};
/** pg_restore next to `pgDump`, checked to run and to read archives of the server's major. */
async function pairedRestore(pgDump, need, onSpawn) {
    const pgRestore = join(dirname(pgDump), basename(pgDump).replace(/pg_dump/, 'pg_restore'));
    const read = await readVersion(pgRestore, onSpawn);
    if ('error' in read) {
        return {
            kind: 'restore-missing',
            message: `no runnable pg_restore next to ${pgDump} (${pgRestore}: ${read.error}); it is needed to verify the backup`,
            hint: `install the full PostgreSQL ${need} client (pg_dump and pg_restore come together), or point pg-dump-path at a directory holding both`,
        };
    }
    const { version } = read;
    if (version[0] < need) {
        return {
            kind: 'restore-missing',
            message: `pg_restore ${formatPgVersion(version)} at ${pgRestore} is older than the server (major ${need}) and cannot verify the backup`,
            hint: installHint(need),
        };
    }
    return pgRestore;
}
async function defaultSearchDirs(envPath) {
    const dirs = envPath.split(delimiter).filter((d) => d !== '');
    dirs.push(...(await versionedDirs('/usr/lib/postgresql', /^\d+$/, (n) => join('/usr/lib/postgresql', n, 'bin'))));
    dirs.push(...(await versionedDirs('/usr', /^pgsql-\d+$/, (n) => join('/usr', n, 'bin'))));
    return dirs;
}
/** `<root>/<versioned name>/bin` directories, newest version first. */
async function versionedDirs(root, pattern, toDir) {
    const names = await readdir(root).catch(() => []);
    const num = (n) => Number(/\d+/.exec(n)[0]);
    return names
        .filter((n) => pattern.test(n))
        .sort((a, b) => num(b) - num(a))
        .map(toDir);
}
async function isExecutableFile(path) {
    try {
        if (!(await stat(path)).isFile())
            return false;
        await access(path, constants.X_OK);
        return true;
    }
    catch {
        return false;
    }
}
async function isDirectory(path) {
    return stat(path).then((s) => s.isDirectory(), () => false);
}
/** A tool's version as people write it: `15.18`. */
function formatPgVersion(v) {
    return `${v[0]}.${v[1]}`;
}
function describe(cs) {
    if (cs.length === 0)
        return 'none';
    return cs.map((c) => `${c.path} ${c.version ? formatPgVersion(c.version) : '?'}${c.rejected ? ` (${c.rejected})` : ''}`).join('; ');
}
function tooOld(v, server, need) {
    return `pg_dump ${formatPgVersion(v)} cannot back up a PostgreSQL ${server} server: pg_dump must be version ${need} or newer`;
}
/** The PGDG install commands for the client of `major`. */
function pgdgInstall(major) {
    return (`on Debian/Ubuntu add the PGDG apt repository ` +
        `(sudo apt-get install -y postgresql-common && sudo /usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -y) ` +
        `then sudo apt-get install -y postgresql-client-${major}`);
}
function installHint(major) {
    return `install the PostgreSQL ${major} client: ${pgdgInstall(major)}; or set pg-dump-path to a pg_dump ${major} or newer`;
}
function sameMajorHint(major) {
    return `install the PostgreSQL ${major} client: ${pgdgInstall(major)}; or set pg-dump-path to a pg_dump ${major}`;
}

;// CONCATENATED MODULE: ./src/engine/dump.ts




/** pg_dump added `--restrict-key` (and random `\restrict` lines) in 15.14, 16.10, 17.6. */
function supportsRestrictKey([major, minor]) {
    return major > 17 || (major === 17 && minor >= 6) || (major === 16 && minor >= 10) || (major === 15 && minor >= 14);
}
/**
 * Dump the schema exactly as dbmate does (same pg_dump flags, leading comments trimmed, lines
 * right-trimmed, the schema_migrations INSERT trailer), so a team can switch tools without a
 * schema.sql diff. For the same reason the binary is dbmate's choice, not a version-matched one
 * from the pg-tools chooser: the configured `pgDump`, else `pg_dump` on PATH. pg_dump connects
 * as the migration connection does ({@link childConnection}: same TLS trust); the password goes
 * through PGPASSWORD, never argv.
 */
async function dumpSchema(conn, target, ledger, opts = {}) {
    const pgDump = opts.pgDump ?? 'pg_dump';
    const args = ['--format=plain', '--encoding=UTF8', '--schema-only', '--no-privileges', '--no-owner'];
    const version = await pgDumpVersion(pgDump);
    if (!version) {
        throw new errors_MigrationError('PG_DUMP_MISSING', `cannot run ${pgDump}: it is needed to write the schema file`, {
            hint: 'install the PostgreSQL client (e.g. `apt-get install postgresql-client`), pass --no-dump-schema, or set the pg_dump path',
        });
    }
    if (supportsRestrictKey(version))
        args.push('--restrict-key=dbmate');
    // Quoted: in a pg_dump pattern an unquoted name is folded to lower case.
    if (opts.history)
        args.push(`--exclude-table=${patternQuote(opts.history.schema)}.${patternQuote(opts.history.table)}`);
    for (const s of target.searchPath)
        if (s.trim())
            args.push('--schema', s.trim());
    args.push(...(opts.extraArgs ?? []));
    const child = await childConnection(target);
    args.push(child.url);
    const r = await runCommand(pgDump, args, { extraEnv: child.env }).finally(() => child.cleanup());
    if (r.error)
        throw r.error;
    if (r.code !== 0) {
        const text = r.stderr.trim();
        const code = r.code ?? 1;
        // dbmate passes pg_dump's stderr through verbatim (it already names pg_dump).
        throw new errors_MigrationError('PG_DUMP_FAILED', text || `${pgDump} exited with code ${code}`, {
            hint: /server version mismatch/.test(text)
                ? 'pg_dump must be at least the server major version: install a newer postgresql-client'
                : undefined,
        });
    }
    return postProcess(r.stdout + (await trailer(conn, ledger)));
}
/** dbmate's TrimLeadingSQLComments: drop the header (blank and `--` lines), right-trim every line. */
function postProcess(dump) {
    const lines = dump.split('\n');
    if (lines.at(-1) === '')
        lines.pop();
    let i = 0;
    while (i < lines.length && (lines[i] === '' || lines[i].startsWith('--')))
        i++;
    return lines
        .slice(i)
        .map((l) => l.replace(/\s+$/u, ''))
        .map((l) => `${l}\n`)
        .join('');
}
async function trailer(conn, ledger) {
    const { rows } = await conn.query(`select quote_literal(version) as v from ${ledger.quoted} order by version asc`);
    let out = '\n--\n-- Dbmate schema migrations\n--\n\n';
    if (rows.length > 0) {
        out += `INSERT INTO ${ledger.quoted} (version) VALUES\n    (${rows.map((r) => r.v).join('),\n    (')});\n`;
    }
    return out;
}
/** Write the dump, creating its directory, with dbmate's file mode. */
async function writeSchemaFile(path, content) {
    await (0,promises_namespaceObject.mkdir)((0,external_node_path_.dirname)(path), { recursive: true });
    await (0,promises_namespaceObject.writeFile)(path, content, { mode: 0o644 });
}
/** dbmate's schema-file step: dump the schema, announce `Writing: <file>`, write it. */
async function writeSchema(conn, target, ledger, opts) {
    const { schemaFile, cwd, log, ...dump } = opts;
    const text = await dumpSchema(conn, target, ledger, dump);
    log.info(`Writing: ${schemaFile}`);
    await writeSchemaFile(cwd && !schemaFile.startsWith('/') ? `${cwd}/${schemaFile}` : schemaFile, text);
}
/**
 * The automatic schema dump after a command that changed the ledger (`up`, the automatic
 * rollback, `baseline`): best effort, because what the command did is already committed. A
 * failure is warned about, saying `done` (what stands), and returned for the command's result.
 */
async function writeSchemaAfter(conn, target, ledger, opts, done) {
    try {
        await writeSchema(conn, target, ledger, opts);
        return { schemaFile: opts.schemaFile };
    }
    catch (err) {
        opts.log.warn(`schema dump failed (${done}): ${err.message}`);
        return { dumpError: err };
    }
}
/** A name as a pg_dump pattern that matches exactly it (identifiers.ts allows no `"`, `*` or `?`). */
function patternQuote(name) {
    return `"${name.replace(/"/g, '""')}"`;
}

;// CONCATENATED MODULE: ./src/engine/lock-schedule.ts
/**
 * The schedule of lock attempts for one migration (or one `transaction:false` statement): short
 * `lock_timeout` attempts first, growing to a cap, with jittered pauses that grow too, all inside
 * a budget of wall time. Pure: the caller passes the time spent so far and the random source.
 *
 * Why: while an `ALTER TABLE` waits for its lock, every query on the table queues behind it, so an
 * attempt's `lock_timeout` is the longest stall the application sees. A short first attempt gets
 * through at once on a table that is only briefly busy; the pauses let the queue drain and keep
 * the share of time the table is stalled small; the budget bounds the whole deploy.
 */
/** `lock_timeout` of the first attempt, ms; doubled each attempt up to the cap. */
const FIRST_LOCK_TIMEOUT_MS = 50;
/** Nominal pause before the first retry, ms; doubled each retry up to {@link pauseCapMs}. */
const FIRST_PAUSE_MS = 100;
/** Longest nominal pause, ms, unless the cap is longer (see {@link pauseCapMs}). */
const MIN_PAUSE_CAP_MS = 2000;
/** The first attempt: no pause, the shortest lock_timeout. */
function firstAttempt(s) {
    return { attempt: 1, lockTimeoutMs: lockTimeoutOf(s, 1), pauseMs: 0 };
}
/** Nominal `lock_timeout` of attempt `n` (1-based): 50 ms doubled each attempt, never above the cap. */
function lockTimeoutOf(s, n) {
    if (s.capMs === 0)
        return 0;
    return Math.min(s.capMs, FIRST_LOCK_TIMEOUT_MS * 2 ** (n - 1));
}
/**
 * Longest nominal pause: 2 s, or twice the cap when that is longer, so that with long attempts
 * (an explicit `lock-timeout: 5s`) the table is still free at least two thirds of the time.
 */
function pauseCapMs(s) {
    return Math.max(MIN_PAUSE_CAP_MS, 2 * s.capMs);
}
/** Nominal pause before attempt `n` (n ≥ 2): 100 ms doubled each retry, never above {@link pauseCapMs}. */
function nominalPauseOf(s, n) {
    return Math.min(pauseCapMs(s), FIRST_PAUSE_MS * 2 ** (n - 2));
}
/**
 * The attempt after `failed`, or why there is none. `elapsedMs` is the wall time since the first
 * attempt started; `random` returns a number in [0, 1) (`Math.random`) and jitters the pause
 * between half and all of its nominal length, so runs that collide do not retry in step.
 * The pause and the whole next attempt must fit in what is left of the budget; the last attempt's
 * lock_timeout is shortened to fit, and one shorter than the first attempt's is not tried.
 */
function nextAttempt(s, failed, elapsedMs, random) {
    if (failed > s.retries)
        return 'retries';
    const n = failed + 1;
    const nominal = nominalPauseOf(s, n);
    const pauseMs = Math.round(nominal / 2 + (nominal / 2) * Math.min(Math.max(random(), 0), 1));
    let lockTimeoutMs = lockTimeoutOf(s, n);
    if (s.budgetMs > 0) {
        const left = s.budgetMs - elapsedMs - pauseMs;
        if (lockTimeoutMs === 0) {
            if (left <= 0)
                return 'budget';
        }
        else {
            const shortest = Math.min(FIRST_LOCK_TIMEOUT_MS, lockTimeoutMs);
            if (left < shortest)
                return 'budget';
            lockTimeoutMs = Math.min(lockTimeoutMs, Math.floor(left));
        }
    }
    return { attempt: n, lockTimeoutMs, pauseMs };
}
/**
 * The cap that applies: an explicit `lock-timeout` as given; otherwise the default, lowered to
 * the server's own `lock_timeout` (set for the role or database) when that is shorter, so a
 * DBA's limit holds.
 */
function effectiveCapMs(capMs, explicit, serverLockTimeoutMs) {
    if (explicit || !serverLockTimeoutMs || serverLockTimeoutMs <= 0)
        return capMs;
    return capMs === 0 ? serverLockTimeoutMs : Math.min(capMs, serverLockTimeoutMs);
}
/**
 * The schedule as a table (for the docs and the tests): each attempt with its nominal pause range
 * and the latest time it can end, assuming every attempt waits its full lock_timeout, until the
 * retries or the budget (with the longest pauses) end it.
 */
function scheduleTable(s) {
    const rows = [{ attempt: 1, lockTimeoutMs: lockTimeoutOf(s, 1), pauseMs: [0, 0], endsByMs: lockTimeoutOf(s, 1) }];
    for (;;) {
        const last = rows[rows.length - 1];
        const next = nextAttempt(s, last.attempt, last.endsByMs, () => 1);
        if (typeof next === 'string')
            return rows;
        const nominal = nominalPauseOf(s, next.attempt);
        rows.push({ attempt: next.attempt, lockTimeoutMs: next.lockTimeoutMs, pauseMs: [nominal / 2, nominal], endsByMs: last.endsByMs + next.pauseMs + next.lockTimeoutMs });
        if (rows.length > 1000)
            return rows;
    }
}
/**
 * Default cap (`lock-timeout`), ms: the longest any query on a busy table stalls behind one
 * attempt is about its lock_timeout plus the time to cancel it, so 400 ms keeps every stall
 * under half a second with room for timer slack and a round trip.
 */
const DEFAULT_LOCK_TIMEOUT_MS = 400;
/**
 * Default `lock-retries`: more than fit in the default budget (at most about 24 with the shortest
 * pauses), so at defaults the budget, not the count, ends the retries.
 */
const DEFAULT_LOCK_RETRIES = 30;
/** Default `lock-retry-budget`, ms: a migration that cannot get its lock within 30 s fails instead of holding up the deploy. */
const DEFAULT_LOCK_RETRY_BUDGET_MS = 30_000;

;// CONCATENATED MODULE: ./src/engine/redact.ts
/**
 * Redaction: every text we print (logs, summaries, issues, history rows, errors) goes through
 * {@link redact} first, so a password that reaches a message from a driver or a tool is masked.
 */
/** What replaces a password wherever we print text: dbmate's `redactLogString` uses the same mask. */
const REDACTED = '********';
/**
 * Mask secrets in free text before it is printed. Where the text's structure says "this is a
 * password" the value is masked whatever it is: the password of any `scheme://user:pass@` URL,
 * any `password=`/`sslpassword=` parameter (URL query or conninfo) and any `PGPASSWORD=` assignment.
 * Elsewhere each secret (as written and percent-encoded, any hex case) is masked by
 * {@link redactSecrets}: a distinctive one wherever it occurs, a word-like one only as a whole token.
 * Apply it to every message that may carry driver or tool output.
 */
function redact(text, secrets) {
    let out = text.replace(USERINFO_RE, (_m, prefix, rest) => `${prefix}${REDACTED}@${rest.slice(passwordEnd(rest) + 1)}`);
    out = out.replace(PASSWORD_PARAM_RE, `$1${REDACTED}`);
    out = out.replace(PGPASSWORD_RE, `$1${REDACTED}`);
    return redactSecrets(out, secrets);
}
/** {@link redact} applied to every string inside a plain value (objects, arrays); dates and numbers pass through. */
function redactDeep(value, secrets) {
    const walk = (v) => {
        if (typeof v === 'string')
            return redact(v, secrets);
        if (v instanceof Date)
            return v;
        if (Array.isArray(v))
            return v.map(walk);
        if (v && typeof v === 'object')
            return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
        return v;
    };
    return walk(value);
}
// `scheme://user:` followed by the rest of the whitespace-free token; passwordEnd finds its '@'.
// The lookbehind anchors a match at the start of a scheme: without it a long run of letters is
// rescanned from every position (quadratic; a 200k-character message took minutes).
const USERINFO_RE = /(?<![A-Za-z0-9+.-])([A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s:/?#@]*:)(\S*@\S*)/g;
/** A `password=` or `sslpassword=` parameter (URL query or conninfo string); group 1 keeps the name. */
const PASSWORD_PARAM_RE = /((?:^|[?&;\s])(?:ssl)?password=)[^&\s#]*/gi;
/** `PGPASSWORD=value` as a shell line or an env dump shows it (quoted or bare); group 1 keeps the name. */
const PGPASSWORD_RE = /((?<![A-Za-z0-9_])PGPASSWORD=)(?:"[^"]*"|'[^']*'|[^\s"']*)/g;
/**
 * Index of the '@' that ends the userinfo in `rest`. The last '@' before the path is the URL
 * parsers' answer; when the password itself holds `/`, `?` or `#` (an invalid URL we still must
 * not leak), fall back to the last '@' of the token.
 */
function passwordEnd(rest) {
    const pathStart = rest.search(/[/?#]/);
    const head = pathStart === -1 ? rest : rest.slice(0, pathStart);
    const at = head.lastIndexOf('@');
    return at !== -1 ? at : rest.lastIndexOf('@');
}
function secretForms(secret) {
    const encoded = encodeURIComponent(secret);
    // WHATWG URL serialisation of userinfo encodes fewer characters than encodeURIComponent.
    let userinfo = secret;
    try {
        const u = new URL('postgres://host');
        u.password = secret;
        userinfo = u.password;
    }
    catch {
        // keep the raw form only
    }
    return [secret, encoded, encoded.replace(/%20/g, '+'), userinfo];
}
function hexInsensitive(pattern) {
    return pattern.replace(/%([0-9A-Fa-f])([0-9A-Fa-f])/g, (_m, a, b) => `%${charClass(a)}${charClass(b)}`);
}
function charClass(c) {
    return /[0-9]/.test(c) ? c : `[${c.toLowerCase()}${c.toUpperCase()}]`;
}
function escapeRegExp(s) {
    return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
/**
 * Mask every occurrence of the secrets that is not already masked by its place ({@link redact}).
 *
 * A password such as `postgres`, `admin` or `p` is also a word of the messages we print (the URL's
 * scheme and user, "port"), and masking it inside other words mangles them
 * (`********://…`, `********ort`). So a word-like secret is masked only as a whole token: not
 * preceded or followed by a letter, digit or `_` (where the secret itself starts or ends with one),
 * and never as the scheme, user, host or database of a URL, which the URL's structure says are
 * not the password. A distinctive secret (8 or more characters mixing letters, digits or symbols, like a
 * token or a generated password) cannot be mistaken for a word, and glued to other text (a cut
 * statement, a concatenated value) it is still the secret: it is masked wherever it occurs.
 */
function redactSecrets(text, secrets) {
    const given = [...new Set(secrets.filter((s) => s !== ''))];
    const anywhere = patternsOf(given.filter(distinctive));
    let out = text;
    for (const form of anywhere)
        out = out.replace(new RegExp(hexInsensitive(form.source), 'g'), REDACTED);
    const tokens = patternsOf(given.filter((s) => !distinctive(s)));
    if (tokens.length === 0)
        return out;
    const kept = urlAuthorities(out);
    const re = new RegExp(tokens.map((f) => `${f.wordStart ? '(?<![A-Za-z0-9_])' : ''}(?:${hexInsensitive(f.source)})${f.wordEnd ? '(?![A-Za-z0-9_])' : ''}`).join('|'), 'g');
    return out.replace(re, (m, ...rest) => {
        const at = rest[rest.length - 2];
        return kept.some(([a, b]) => at >= a && at < b) ? m : REDACTED;
    });
}
/** A secret that cannot pass for a word: 8+ characters of at least two kinds (letters, digits, others). */
function distinctive(secret) {
    const kinds = [/[A-Za-z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((k) => k.test(secret)).length;
    return secret.length >= 8 && kinds >= 2;
}
// Longest first, so a form that contains another is masked whole.
function patternsOf(secrets) {
    const forms = [...new Set(secrets.flatMap(secretForms))].sort((a, b) => b.length - a.length);
    return forms.map((f) => ({ source: escapeRegExp(f), wordStart: /^[A-Za-z0-9_]/.test(f), wordEnd: /[A-Za-z0-9_]$/.test(f) }));
}
// scheme://authority/path, anchored at a scheme's start (linear on long runs, as USERINFO_RE).
const AUTHORITY_RE = /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s?#]*/g;
/**
 * [start, end) of each URL's scheme, authority and path (the database name) in `text`: the
 * password there is already masked by its place; the query's values may still hold it.
 */
function urlAuthorities(text) {
    return [...text.matchAll(AUTHORITY_RE)].map((m) => [m.index, m.index + m[0].length]);
}

;// CONCATENATED MODULE: ./src/engine/runner.ts











const LOCK_NOT_AVAILABLE = '55P03';
const QUERY_CANCELED = '57014';
/** How a `transaction:false` section stopped by a cancel between two statements says so. */
const NOT_STARTED = 'the run was cancelled before this statement started';
/** Errors where re-running the section to find the failing statement would be slow or pointless. */
const NO_REPLAY = /^(55P03|57014|57P0\d|08...|40001|40P01|53...|XX...)$/;
/**
 * Run one migration's up or down section and record it in the ledger (and history), atomically
 * for transactional sections. Never throws for SQL errors: the failure is returned, and the
 * `failed` history row is written after the rollback.
 */
async function runStep(conn, file, parsed, direction, opts) {
    const section = direction === 'up' ? parsed.up : parsed.down;
    const started = new Date();
    const t0 = process.hrtime.bigint();
    const base = {
        version: file.version,
        fileName: file.fileName,
        displayPath: file.displayPath,
        direction,
        transaction: section.transaction,
    };
    const run = section.transaction ? runTransactional : runNonTransactional;
    const r = await run(conn, file, parsed, direction, section, opts);
    const durationMs = elapsedMs(t0);
    // transaction:false sets the timeouts for the session; give the rest of the run its own settings back.
    if (!section.transaction)
        await afterCancel(opts, () => conn.query('RESET lock_timeout;RESET statement_timeout')).catch(() => undefined);
    if (r.error) {
        const error = opts.signal?.aborted ? asCancelled(r.error, opts.signal) : r.error;
        const outcome = error instanceof SqlMigrationError && error.failure.cancelled ? 'cancelled' : 'failed';
        // A lost connection cannot record anything (and the failure says so itself).
        if (opts.history && !isConnectionLost(error.cause ?? error)) {
            const f = error.failure;
            const entry = {
                version: file.version,
                direction,
                outcome,
                fileName: file.fileName,
                checksum: parsed.checksum,
                startedAt: started,
                durationMs,
                sqlstate: f?.sqlstate,
                error: redact(error.message, opts.secrets),
            };
            await afterCancel(opts, () => recordHistory(conn, opts.history, entry, opts.ctx)).catch((e) => opts.log.warn(`could not record the ${outcome === 'cancelled' ? 'cancelled' : 'failed'} attempt in the history table: ${e.message}`));
        }
        return { ...base, outcome, durationMs, attempts: r.attempts, error };
    }
    return {
        ...base,
        outcome: direction === 'up' ? 'applied' : 'rolled-back',
        durationMs,
        attempts: r.attempts,
        rowsAffected: r.rowsAffected,
    };
}
/**
 * The audit trail promises one row per attempt, also when the session died mid-migration, so
 * {@link runStep} could not write it: write it through the fresh connection `conn`. A
 * transaction killed during COMMIT may still have committed: the ledger (`after`) tells, so the
 * `failed` row is written only when the step's effect is really absent.
 */
async function recordLostStep(conn, step, after, opts) {
    if (!step || !opts.history)
        return;
    const applied = after.files.some((r) => r.file.version === step.version && r.applied);
    if ((step.direction === 'up') === applied)
        return;
    const file = after.files.find((r) => r.file.version === step.version)?.file;
    const checksum = file ? checksumOf((0,external_node_fs_.readFileSync)(file.absPath)) : '';
    await recordHistory(conn, opts.history, {
        version: step.version,
        direction: step.direction,
        outcome: step.outcome === 'cancelled' ? 'cancelled' : 'failed',
        fileName: step.fileName,
        checksum,
        startedAt: new Date(Date.now() - step.durationMs),
        durationMs: step.durationMs,
        sqlstate: step.error?.failure?.sqlstate,
        error: step.error && redact(step.error.message, opts.secrets),
    }, opts.ctx).catch((err) => opts.log.warn(`could not record the failed attempt in the history table: ${err.message}`));
}
function ledgerSql(opts, version, direction) {
    return direction === 'up'
        ? `insert into ${opts.ledger.quoted} (version) values (${literal(version)})`
        : `delete from ${opts.ledger.quoted} where version = ${literal(version)}`;
}
function bookkeepingSql(opts, file, parsed, direction) {
    const out = [ledgerSql(opts, file.version, direction)];
    if (opts.history) {
        out.push(historyInsertSql(opts.history, {
            version: file.version,
            direction,
            outcome: direction === 'up' ? 'applied' : 'rolled-back',
            fileName: file.fileName,
            checksum: parsed.checksum,
        }, opts.ctx));
    }
    return out;
}
/**
 * A transactional section goes to the server as ONE simple-protocol query:
 * BEGIN + timeouts, the section text exactly as written, the ledger and history rows, COMMIT.
 * One round trip per migration (dbmate needs four), and SQL and ledger row commit together.
 */
async function runTransactional(conn, file, parsed, direction, section, opts) {
    const tail = bookkeepingSql(opts, file, parsed, direction);
    const retry = lockRetrier(conn, opts, file);
    for (let a = retry.first;;) {
        const prefix = `BEGIN;${setTimeouts(opts, a.lockTimeoutMs, 'LOCAL')};\n`;
        // The newline ends a trailing `--` comment; the lone `;` ends a last statement written without one.
        const text = `${prefix}${section.sql}\n;\n${tail.join(';\n')};\nCOMMIT`;
        try {
            const res = await conn.query(text);
            const results = Array.isArray(res) ? res : [res];
            // Results: BEGIN, the SETs, user statements…, bookkeeping…, COMMIT.
            const user = results.slice(1 + timeoutCount(opts), results.length - tail.length - 1);
            const last = user.filter((r) => r.command !== null && r.command !== undefined).at(-1);
            // DDL reports no row count; dbmate prints `Rows affected: 0` for it, and nothing for an empty section.
            return { attempts: a.attempt, rowsAffected: last ? (last.rowCount ?? 0) : undefined };
        }
        catch (err) {
            await conn.query('ROLLBACK').catch(() => undefined);
            const code = err.code;
            let hint;
            if (code === LOCK_NOT_AVAILABLE) {
                const next = await retry.after(a);
                if (typeof next !== 'string') {
                    a = next;
                    continue;
                }
                hint = next;
            }
            return { attempts: a.attempt, error: await describeTransactionalError(conn, err, file, direction, section, prefix.length, a.lockTimeoutMs, opts, hint) };
        }
    }
}
/** Number of SETs {@link setTimeouts} sends. */
function timeoutCount(opts) {
    return opts.statementTimeoutMs === undefined ? 1 : 2;
}
/**
 * The SETs of one attempt: its lock_timeout, and statement_timeout only when one was given (else
 * the role's or database's own statement_timeout holds, as under dbmate).
 */
function setTimeouts(opts, lockTimeoutMs, scope) {
    const set = scope === 'LOCAL' ? 'SET LOCAL' : 'SET';
    const out = [`${set} lock_timeout = ${wholeMs(lockTimeoutMs)}`];
    if (opts.statementTimeoutMs !== undefined)
        out.push(`${set} statement_timeout = ${wholeMs(opts.statementTimeoutMs)}`);
    return out.join(';');
}
/** Milliseconds as the server's integer setting: a fraction (`250us`) is rounded up, never to 0, which would disable the timeout. */
function wholeMs(ms) {
    return ms > 0 ? Math.max(1, Math.round(ms)) : 0;
}
/**
 * The lock schedule of one migration or statement: `first` is its first attempt; `after(failed)`
 * logs the lock timeout, pauses and returns the next attempt, or the hint of the failure when the
 * retries or the budget are used up (or the run was cancelled during the pause).
 */
function lockRetrier(conn, opts, file) {
    const schedule = { capMs: opts.lockTimeoutMs, retries: opts.lockRetries, budgetMs: opts.lockRetryBudgetMs };
    const t0 = process.hrtime.bigint();
    return {
        first: firstAttempt(schedule),
        async after(failed) {
            const next = nextAttempt(schedule, failed.attempt, elapsedMs(t0), opts.random ?? Math.random);
            if (typeof next === 'string')
                return lockHint(conn, opts, failed, next, elapsedMs(t0));
            const left = opts.lockRetryBudgetMs > 0 ? `, ${seconds(opts.lockRetryBudgetMs - elapsedMs(t0))} of the lock-retry budget left` : '';
            opts.log.warn(`${file.displayPath}: lock_timeout (${failed.lockTimeoutMs} ms) reached waiting for a lock on attempt ${failed.attempt}; ` +
                `retry ${failed.attempt}/${opts.lockRetries} in ${next.pauseMs} ms with lock_timeout ${next.lockTimeoutMs} ms${left}`);
            await sleep(next.pauseMs, opts.signal);
            return opts.signal?.aborted ? 'the run was cancelled while waiting to retry' : next;
        },
    };
}
/** `12.3 s`, for budgets and what is left of them. */
function seconds(ms) {
    return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
}
/**
 * What to tell when no attempt got the lock: how long and how often it was tried, the session
 * that most likely blocked it (the oldest open transaction holding a table lock in this
 * database: one catalog query, on the failure path only) and what to do.
 */
async function lockHint(conn, opts, last, why, spentMs) {
    const upTo = opts.lockTimeoutMs > 0 ? `, lock_timeout up to ${opts.lockTimeoutMs} ms` : '';
    const tried = why === 'budget'
        ? `no attempt got the lock within the lock-retry budget (${seconds(opts.lockRetryBudgetMs)}: ${last.attempt} attempts in ${seconds(spentMs)}${upTo})`
        : `no attempt got the lock in ${last.attempt} attempt${last.attempt === 1 ? '' : 's'} (lock-retries ${opts.lockRetries}: ${seconds(spentMs)}${upTo})`;
    const holder = await oldestLockHolder(conn).catch(() => undefined);
    const who = holder
        ? `the oldest open transaction holding a table lock in this database is pid ${holder.pid} (${holder.state ?? 'unknown state'}, user ${holder.usename}${holder.app ? `, application ${holder.app}` : ''}): ` +
            `end it (select pg_terminate_backend(${holder.pid})) or run when it is done`
        : 'another session held a conflicting lock: find it with pg_blocking_pids() while the migration waits, and end it or run when it is done';
    const raise = why === 'budget' ? '--lock-retry-budget' : '--lock-retries';
    return `${tried}; ${who}; or raise ${raise} to keep trying longer (each attempt stalls the table's queries for at most its lock_timeout)`;
}
/** The session with the oldest open transaction that holds a lock on a table of this database, other than ours. */
async function oldestLockHolder(conn) {
    const { rows } = await conn.query(`select a.pid, a.state, a.usename, a.application_name as app
       from pg_stat_activity a
      where a.datname = current_database() and a.pid <> pg_backend_pid() and a.xact_start is not null
        and exists (select 1 from pg_locks l
                     where l.pid = a.pid and l.granted and l.locktype = 'relation'
                       and l.database = (select oid from pg_database where datname = current_database()))
      order by a.xact_start
      limit 1`);
    return rows[0];
}
/**
 * A cancel sent for a statement that had just finished can land on the next one (the server
 * cannot tell them apart): after a cancel, a bookkeeping query cancelled that way is sent again.
 */
async function afterCancel(opts, fn) {
    try {
        return await fn();
    }
    catch (err) {
        if (!opts.signal?.aborted || err.code !== QUERY_CANCELED)
            throw err;
        return fn();
    }
}
/**
 * The failure of a step the run's cancel stopped, said as such: `cancelled by SIGINT`, what of
 * the file remains, and what to do. Failures with other causes than the cancel keep their words.
 */
function asCancelled(err, signal) {
    if (!(err instanceof SqlMigrationError) || err.failure.cancelled)
        return err;
    const f = err.failure;
    // A lock attempt that timed out during the cancel is the cancel's too: the retry it would have had never came.
    const byCancel = f.sqlstate === QUERY_CANCELED || f.sqlstate === LOCK_NOT_AVAILABLE || isConnectionLost(err.cause ?? err) || f.serverMessage.startsWith(NOT_STARTED);
    if (!byCancel)
        return err;
    return new SqlMigrationError({ ...f, cancelled: abortReason(signal) }, {
        hint: f.transactional
            ? 'its transaction was rolled back, so nothing of this migration was applied; run again to continue'
            : 'statements listed as completed stay applied and no ledger row was written; make the file idempotent or finish it by hand, then run again',
        cause: err.cause ?? err,
    });
}
async function describeTransactionalError(conn, err, file, direction, section, prefixLength, lockTimeoutMs, opts, hint = hintFor(err.code, direction)) {
    if (isConnectionLost(err))
        return connectionLostError(err, file, direction, true);
    const e = err;
    const failure = baseFailure(e, file, direction, true);
    // The server counts characters (code points) from 1 in the whole batch; the prefix is ASCII.
    const pos = e.position ? Number(e.position) - prefixLength : 0;
    const sectionChars = codePoints(section.sql);
    if (pos > 0 && pos <= sectionChars) {
        const offset = utf16Offset(section.sql, pos - 1);
        placeInFile(failure, section, offset);
        failure.statement = await statementAt(section.sql, offset);
    }
    else if (pos > sectionChars) {
        failure.statement = 'bookkeeping (ledger/history insert)';
    }
    else if (e.code) {
        // Timeouts, lost connections and the like are not replayed (they would only fail again); a one-statement section needs no replay.
        const located = NO_REPLAY.test(e.code) ? await onlyStatement(section) : await replayToLocate(conn, section, lockTimeoutMs, opts);
        if (located === 'all-succeeded') {
            // Every statement ran: the error came from COMMIT, i.e. a deferred constraint or trigger.
            if (e.code.startsWith('23'))
                failure.statement = 'COMMIT (a deferred constraint was checked at the end of the transaction)';
        }
        else if (located) {
            failure.statement = located.stmt.sql;
            failure.statementIndex = located.index;
            placeInFile(failure, section, located.stmt.offset);
        }
    }
    return new SqlMigrationError(failure, { hint, cause: err });
}
/** The section's statement when it has exactly one. */
async function onlyStatement(section) {
    const stmts = await splitStatements(section.sql).catch(() => []);
    return stmts.length === 1 ? { stmt: stmts[0], index: 0 } : undefined;
}
/**
 * The server gives no position for errors such as constraint violations. Re-run the section
 * statement by statement inside a transaction that is always rolled back, to name the
 * statement that fails. Only on the failure path, and never for timeouts.
 */
async function replayToLocate(conn, section, lockTimeoutMs, opts) {
    let stmts;
    try {
        stmts = await splitStatements(section.sql);
    }
    catch {
        return undefined;
    }
    if (stmts.length === 0)
        return undefined;
    if (stmts.length === 1)
        return { stmt: stmts[0], index: 0 };
    try {
        await conn.query(`BEGIN;${setTimeouts(opts, lockTimeoutMs, 'LOCAL')}`);
        for (let i = 0; i < stmts.length; i++) {
            try {
                await conn.query(stmts[i].sql);
            }
            catch {
                return { stmt: stmts[i], index: i };
            }
        }
        return 'all-succeeded';
    }
    finally {
        await conn.query('ROLLBACK').catch(() => undefined);
    }
}
/**
 * `transaction:false`: statements run one by one in autocommit, so CREATE INDEX CONCURRENTLY
 * works among other statements. The ledger row is written only after the last statement.
 */
async function runNonTransactional(conn, file, parsed, direction, section, opts) {
    let stmts;
    try {
        stmts = await splitStatements(section.sql);
    }
    catch (err) {
        const failure = {
            file: file.displayPath,
            version: file.version,
            direction,
            serverMessage: err.message,
            sqlstate: '42601',
            transactional: false,
            completedStatements: [],
        };
        if (err instanceof SqlSyntaxError) {
            placeInFile(failure, section, err.position - 1);
            failure.statement = await statementAt(section.sql, err.position - 1);
        }
        return { attempts: 1, error: new SqlMigrationError(failure, { hint: 'fix the SQL syntax; nothing was executed', cause: err }) };
    }
    // Session-wide here (there is no transaction to be LOCAL to); `runStep` RESETs both afterwards.
    let lockTimeoutSet = firstAttempt({ capMs: opts.lockTimeoutMs, retries: 0, budgetMs: 0 }).lockTimeoutMs;
    await conn.query(setTimeouts(opts, lockTimeoutSet, 'SESSION'));
    // Only indexes this file leaves INVALID are its to report; older ones are someone else's story.
    // Best effort: a failing catalog query must not turn into a migration failure.
    const invalidBefore = new Set(await invalidIndexes(conn).catch(() => []));
    const done = [];
    let attempts = 1;
    let rowsAffected;
    for (let i = 0; i < stmts.length; i++) {
        if (opts.signal?.aborted) {
            const failure = { ...baseFailure({ message: NOT_STARTED }, file, direction, false), statement: stmts[i].sql, statementIndex: i, completedStatements: done };
            placeInFile(failure, section, stmts[i].offset);
            return { attempts, error: new SqlMigrationError(failure) };
        }
        // Each statement has a schedule (and a budget) of its own.
        const retry = lockRetrier(conn, opts, file);
        for (let a = retry.first;;) {
            try {
                if (a.lockTimeoutMs !== lockTimeoutSet) {
                    await conn.query(`SET lock_timeout = ${wholeMs(a.lockTimeoutMs)}`);
                    lockTimeoutSet = a.lockTimeoutMs;
                }
                const res = await conn.query(stmts[i].sql);
                rowsAffected = (Array.isArray(res) ? res.at(-1) : res)?.rowCount ?? 0;
                break;
            }
            catch (err) {
                const code = err.code;
                let hint = hintFor(code, direction, false);
                if (code === LOCK_NOT_AVAILABLE) {
                    const next = await retry.after(a);
                    if (typeof next !== 'string') {
                        a = next;
                        attempts = Math.max(attempts, a.attempt);
                        continue;
                    }
                    hint = next;
                }
                if (isConnectionLost(err))
                    return { attempts, error: connectionLostError(err, file, direction, false, done) };
                const e = err;
                const failure = baseFailure(e, file, direction, false);
                failure.statement = stmts[i].sql;
                failure.statementIndex = i;
                failure.completedStatements = done;
                const pos = e.position ? Number(e.position) : 0;
                placeInFile(failure, section, stmts[i].offset + (pos > 0 ? utf16Offset(stmts[i].sql, pos - 1) : 0));
                failure.invalidIndexes = (await invalidIndexes(conn).catch(() => [])).filter((name) => !invalidBefore.has(name));
                return { attempts, error: new SqlMigrationError(failure, { hint, cause: err }) };
            }
        }
        done.push(stmts[i].sql);
    }
    try {
        await conn.query(`BEGIN;\n${bookkeepingSql(opts, file, parsed, direction).join(';\n')};\nCOMMIT`);
    }
    catch (err) {
        await conn.query('ROLLBACK').catch(() => undefined);
        const failure = baseFailure(err, file, direction, false);
        failure.statement = 'bookkeeping (ledger/history insert)';
        failure.completedStatements = done;
        return { attempts, error: new SqlMigrationError(failure, { cause: err }) };
    }
    return { attempts, rowsAffected };
}
/** Indexes a failed CREATE INDEX CONCURRENTLY leaves behind: unusable but still maintained on every write. */
async function invalidIndexes(conn) {
    const { rows } = await conn.query('select i.indexrelid::regclass::text as name from pg_index i where not i.indisvalid order by 1');
    return rows.map((r) => r.name);
}
function baseFailure(e, file, direction, transactional) {
    return {
        file: file.displayPath,
        version: file.version,
        direction,
        serverMessage: e.message,
        sqlstate: e.code,
        detail: e.detail,
        serverHint: e.hint,
        transactional,
    };
}
/**
 * Map a 0-based offset in the section's JavaScript string (UTF-16 units, as split.ts reports
 * statement offsets) to a line:column in the file, the column counted in characters.
 */
function placeInFile(failure, section, offset) {
    const { line, column } = lineColumn(section.sql, codePoints(section.sql.slice(0, offset)) + 1);
    failure.line = section.startLine + line - 1;
    failure.column = column;
}
/** Number of characters (code points) in `text`: the unit of PostgreSQL's error positions. */
function codePoints(text) {
    return [...text].length;
}
/** UTF-16 offset of the character at 0-based code-point index `cp` in `text`. */
function utf16Offset(text, cp) {
    let units = 0;
    let i = 0;
    for (const ch of text) {
        if (i++ >= cp)
            break;
        units += ch.length;
    }
    return units;
}
/** The statement at a UTF-16 offset of the section; for text that does not parse, the scanner's best guess. */
async function statementAt(sql, offset) {
    try {
        const stmts = await splitStatements(sql);
        let found;
        for (const s of stmts)
            if (s.offset <= offset)
                found = s;
        return found?.sql;
    }
    catch {
        return (await statementAround(sql, offset).catch(() => undefined))?.sql;
    }
}
function hintFor(code, direction, transactional = true) {
    const again = transactional
        ? 'fix the migration file and run again; nothing of it was applied'
        : 'statements that completed stay applied: make the file idempotent (IF NOT EXISTS / IF EXISTS) or clean up by hand, then run again';
    switch (code) {
        case LOCK_NOT_AVAILABLE:
            return 'another session held a conflicting lock longer than lock_timeout on every retry: find it in pg_stat_activity, or run when traffic is lower (raise --lock-retries / --lock-timeout only if readers can wait that long)';
        case '57014':
            return 'the statement ran longer than statement_timeout: raise --statement-timeout, or batch the work';
        case '25001':
            return 'this statement cannot run inside a transaction: add `transaction:false` to the marker line (`-- migrate:' + direction + ' transaction:false`)';
        default:
            return again;
    }
}
function connectionLostError(err, file, direction, transactional, done = []) {
    const e = err;
    return new SqlMigrationError({
        file: file.displayPath,
        version: file.version,
        direction,
        serverMessage: `connection to the database was lost: ${e.message}`,
        sqlstate: e.code,
        transactional,
        completedStatements: done,
    }, {
        hint: transactional
            ? 'the migration and its ledger row were in one transaction, so either both committed or neither did; run `status` and then `up` again'
            : 'statements listed as completed stay applied and no ledger row was written; check them, then run `up` again',
        cause: err,
    });
}

;// CONCATENATED MODULE: ./src/engine/lock.ts





/**
 * Advisory-lock key for one ledger. Derived from the quoted ledger name so two projects with
 * different ledgers in one database do not block each other, while every run on the same ledger does.
 */
function lockKey(quotedLedger) {
    return (0,external_node_crypto_.createHash)('sha256').update(`db-migrate:${quotedLedger}`).digest().readBigInt64BE(0);
}
/**
 * Take a session advisory lock, waiting up to `waitMs`. Polls `pg_try_advisory_lock` rather
 * than blocking in `pg_advisory_lock` so the wait is bounded by us, not by statement_timeout,
 * and a cancelled run (`signal`) stops waiting at once.
 */
async function acquireLock(conn, key, waitMs, log, signal) {
    const deadline = Date.now() + waitMs;
    let delay = 25;
    let announced = false;
    for (;;) {
        const { rows } = await conn.query('select pg_try_advisory_lock($1::bigint) as ok', [key.toString()]);
        if (rows[0].ok)
            return;
        const holder = await lockHolder(conn, key);
        if (!announced) {
            log.warn(`Waiting for another migration run to finish (advisory lock held by ${holder}); giving up after ${waitMs} ms`);
            announced = true;
        }
        if (Date.now() >= deadline) {
            throw new errors_MigrationError('LOCK_TIMEOUT', `another migration run holds the migration lock (${holder}); waited ${waitMs} ms`, {
                hint: 'wait for the other run to finish, or raise --lock-wait-timeout / lock-wait-timeout',
            });
        }
        await sleep(Math.min(delay, Math.max(0, deadline - Date.now())), signal);
        if (signal?.aborted)
            throw cancelledError(signal, 'the migration lock was free (another run held it); nothing was applied');
        delay = Math.min(delay * 2, 1000);
    }
}
async function lockHolder(conn, key) {
    // A bigint key is stored as two 32-bit halves in pg_locks.
    const { rows } = await conn.query(`select l.pid, a.application_name as app, a.backend_start as since
       from pg_locks l left join pg_stat_activity a on a.pid = l.pid
      where l.locktype = 'advisory' and l.granted
        and l.classid = (($1::bigint >> 32) & x'ffffffff'::bigint)::bigint::oid
        and l.objid = ($1::bigint & x'ffffffff'::bigint)::oid and l.objsubid = 1
      limit 1`, [key.toString()]).catch(() => ({ rows: [] }));
    const r = rows[0];
    if (!r)
        return 'another session';
    return `backend pid ${r.pid}${r.app ? ` (${r.app})` : ''}`;
}
/** Release the lock; a failure here only warns, since the session's end releases it anyway. */
async function releaseLock(conn, key, log) {
    try {
        await conn.query('select pg_advisory_unlock($1::bigint)', [key.toString()]);
    }
    catch (err) {
        // A lost session has released its advisory locks already; the run's own error says what happened.
        if (isConnectionLost(err))
            return;
        log.warn(`could not release the migration lock (it is released when the connection closes): ${err.message}`);
    }
}

;// CONCATENATED MODULE: external "node:net"
const external_node_net_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:net");
;// CONCATENATED MODULE: external "node:util"
const external_node_util_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:util");
;// CONCATENATED MODULE: ./src/engine/url.ts









/** URL schemes dbmate routes to its Postgres driver; all of them mean "speak the Postgres protocol". */
const POSTGRES_SCHEMES = Object.freeze(['postgres', 'postgresql', 'redshift', 'spanner-postgres']);
/** dbmate's exact text when no URL could be found (pkg/dbmate ErrInvalidURL). */
const MISSING_URL_MESSAGE = 'invalid url, have you set your --url flag or DATABASE_URL environment variable?';
const NO_HOST = 'no-host.invalid';
// After redaction this still reads as a template (`user:********@`), unlike a bracketed form.
const URL_FORMAT = 'postgres://user:password@host:port/database?param=value (user, password, port and params optional)';
const TARGET_SESSION_ATTRS = ['any', 'read-write', 'read-only', 'primary', 'standby', 'prefer-standby'];
const CHANNEL_BINDINGS = ['disable', 'prefer', 'require'];
const TLS_VERSIONS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
// Handled by dbmate's rules (DBMATE_COMPAT §8), not libpq keywords.
const DBMATE_PARAMS = new Set(['socket', 'search_path']);
/**
 * Parse a dbmate-style database URL.
 *
 * Rules (dbmate 2.36 + pq, DBMATE_COMPAT.md §8): `socket=/dir` becomes the host, a `host=` param
 * overrides the URL host, `port=` overrides the URL port, the default port is 5432 (5439 for
 * redshift), and no host at all means the platform's socket dir (`/var/run/postgresql` on Linux).
 * `search_path` is sent to the server as a startup option. Unknown params become `-c name=value`.
 *
 * Deliberate difference: without `sslmode` pq requires SSL, which fails against local servers;
 * we follow libpq's default `prefer` instead (see {@link DatabaseTarget.sslPrefer}).
 *
 * @throws MigrationError `URL_MISSING` (dbmate's exact text) for an empty URL or one without a scheme,
 *   `URL_UNSUPPORTED_DRIVER` (`unsupported driver: <scheme>`), `URL_INVALID` for anything malformed.
 */
function parseDatabaseUrl(raw, opts = {}) {
    const text = (raw ?? '').trim();
    const schemeMatch = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(text);
    // dbmate rejects a URL whose scheme is empty with this message, so a bare `localhost/db` gets it too.
    if (!schemeMatch) {
        throw new errors_MigrationError('URL_MISSING', MISSING_URL_MESSAGE, {
            hint: text === '' ? undefined : `a database URL looks like ${URL_FORMAT}`,
        });
    }
    const scheme = schemeMatch[1].toLowerCase();
    const driver = opts.driver ? opts.driver : scheme;
    if (!POSTGRES_SCHEMES.includes(driver)) {
        throw new errors_MigrationError('URL_UNSUPPORTED_DRIVER', `unsupported driver: ${driver}`, {
            hint: `this tool speaks PostgreSQL only; use one of the schemes ${POSTGRES_SCHEMES.join(', ')}`,
        });
    }
    const rest = text.slice(schemeMatch[0].length);
    if (!rest.startsWith('//'))
        invalid(text, `expected ${URL_FORMAT}`);
    // WHATWG refuses userinfo or a port without a host (`postgres://u@/db`, `//:5433/db`), Go does
    // not: parse with a placeholder host and remember that there was none.
    const authority = /^\/\/([^/?#]*)/.exec(rest)[1];
    const hostStart = authority.lastIndexOf('@') + 1;
    const hostless = /^(:|$)/.test(authority.slice(hostStart));
    if (authority.slice(hostStart).includes(','))
        severalHosts(text, 'hosts', authority.slice(hostStart));
    const parsable = hostless ? `//${authority.slice(0, hostStart)}${NO_HOST}${rest.slice(2 + hostStart)}` : rest;
    let url;
    try {
        // Non-special schemes keep their authority verbatim under WHATWG rules, so one name suffices.
        url = new URL(`postgres:${parsable}`);
    }
    catch (err) {
        invalid(text, `${describeParseFailure(rest)}; expected ${URL_FORMAT}`, err);
    }
    const params = url.searchParams;
    const param = (name) => {
        const v = params.get(name);
        return v === null || v === '' ? undefined : v;
    };
    if (params.has('dbname')) {
        invalid(text, 'the dbname parameter is not supported: put the database name in the URL path');
    }
    // libpq keywords we cannot honour are refused by name, before anything is read or connected.
    for (const [name, value] of params) {
        const refusal = refusalOf(name, value);
        if (refusal !== undefined)
            invalid(text, refusal);
    }
    const choice = (name, allowed) => {
        const v = param(name);
        if (v !== undefined && !allowed.includes(v))
            invalid(text, `${name}=${v} is not valid; expected one of ${allowed.join(', ')}`);
        return v;
    };
    const wholeNumber = (name, unit) => {
        const v = param(name);
        if (v !== undefined && !/^\d+$/.test(v))
            invalid(text, `${name}=${v} is not valid; expected a whole number of ${unit}`);
        return v === undefined ? undefined : Number(v);
    };
    const user = param('user') ?? (decode(text, url.username, 'user name') || undefined);
    const password = params.has('password') ? (params.get('password') ?? '') : decode(text, url.password, 'password');
    // socket= is dbmate's alias of host=, kept for parity with its MySQL driver.
    const urlHost = hostless ? '' : decode(text, url.hostname, 'host').replace(/^\[(.*)\]$/, '$1');
    let host = param('socket') ?? param('host') ?? urlHost;
    if (host.includes(','))
        severalHosts(text, 'hosts', host);
    const hostaddr = param('hostaddr');
    if (hostaddr !== undefined && (0,external_node_net_namespaceObject.isIP)(hostaddr) === 0) {
        invalid(text, `hostaddr=${hostaddr} is not valid; expected an IPv4 or IPv6 address (the host name goes in the URL host or host=)`);
    }
    const noHost = host === '' && hostaddr === undefined;
    if (host === '')
        host = hostaddr ?? defaultSocketDir(opts.platform ?? process.platform);
    const connectHost = hostaddr ?? host;
    const portText = param('port') ?? url.port;
    if (portText.includes(','))
        severalHosts(text, 'ports', portText);
    const port = portText === '' ? (scheme === 'redshift' ? 5439 : 5432) : parsePort(text, portText);
    const database = decode(text, url.pathname.replace(/^\//, ''), 'database name');
    const sslmodeText = choice('sslmode', SSL_MODES);
    // libpq: the deprecated requiressl=1 means require, unless sslmode says otherwise.
    const requiressl = choice('requiressl', ['0', '1']);
    const explicitMode = sslmodeText ?? (requiressl === '1' ? 'require' : undefined);
    const tlsVersion = (name) => choice(name, TLS_VERSIONS);
    const tlsParams = {
        sslrootcert: param('sslrootcert'),
        sslcert: param('sslcert'),
        sslkey: param('sslkey'),
        sslpassword: param('sslpassword'),
        sslcrl: param('sslcrl'),
        sslcrldir: param('sslcrldir'),
        minVersion: tlsVersion('ssl_min_protocol_version'),
        maxVersion: tlsVersion('ssl_max_protocol_version'),
    };
    const tls = resolveTls(explicitMode, tlsParams, machineOf(opts), () => redactUrl(text));
    const sslmode = tls.mode;
    const sslPrefer = sslmode === 'prefer';
    const strongSsl = sslmode === 'require' || sslmode === 'verify-ca' || sslmode === 'verify-full';
    const sslnegotiation = choice('sslnegotiation', ['postgres', 'direct']);
    if (sslnegotiation === 'direct' && !strongSsl) {
        invalid(text, `weak sslmode "${sslmode}" may not be used with sslnegotiation=direct (use "require", "verify-ca", or "verify-full")`);
    }
    const sslsni = choice('sslsni', ['0', '1']);
    const socket = connectHost.startsWith('/');
    if (sslsni === '0' && !socket && (0,external_node_net_namespaceObject.isIP)(connectHost) === 0) {
        invalid(text, 'sslsni=0 is not supported with a host name: node-postgres always sends the host name it connects to (SNI); remove sslsni=0, or connect by address with hostaddr=<IP address> (the host name still verifies the certificate)');
    }
    // Connecting to hostaddr: node-postgres sends no SNI for an address, so send the host name
    // (libpq's sslsni=1), and verify-full checks the certificate against the host name.
    const namedHost = hostaddr !== undefined && host !== hostaddr && (0,external_node_net_namespaceObject.isIP)(host) === 0 && !host.startsWith('/') ? host : undefined;
    const files = namedHost !== undefined && sslsni !== '0' ? { ...tls.files, servername: namedHost } : tls.files;
    const verifyHost = hostaddr !== undefined ? host : undefined;
    const gssencmode = choice('gssencmode', ['disable', 'prefer', 'require']);
    if (gssencmode === 'require') {
        invalid(text, 'gssencmode=require is not supported: node-postgres has no GSSAPI encryption; use sslmode=verify-full for an encrypted connection, or gssencmode=prefer');
    }
    const channelBinding = choice('channel_binding', CHANNEL_BINDINGS) ?? 'prefer';
    if (channelBinding === 'require' && sslmode === 'disable') {
        invalid(text, 'channel_binding=require needs TLS, but sslmode is disable; use sslmode=verify-full (or require)');
    }
    const targetSessionAttrs = choice('target_session_attrs', TARGET_SESSION_ATTRS);
    const minProtocol = choice('min_protocol_version', ['3.0', '3.2', 'latest']);
    if (minProtocol !== undefined && minProtocol !== '3.0') {
        invalid(text, `min_protocol_version=${minProtocol} is not supported: node-postgres speaks protocol 3.0 only; remove it or set 3.0`);
    }
    choice('max_protocol_version', ['3.0', '3.2', 'latest']);
    choice('sslcompression', ['0', '1']);
    choice('gssdelegation', ['0', '1']);
    const keepalives = wholeNumber('keepalives', 'a flag (1 = on, 0 = off)');
    const keepalivesIdle = wholeNumber('keepalives_idle', 'seconds');
    wholeNumber('keepalives_interval', 'seconds');
    wholeNumber('keepalives_count', 'probes');
    wholeNumber('tcp_user_timeout', 'milliseconds (0 = the system default)');
    const searchPathText = params.get('search_path')?.trim() ?? '';
    const searchPath = searchPathText
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
    const pgConfig = { host: connectHost, port };
    if (database !== '')
        pgConfig.database = database;
    if (user !== undefined)
        pgConfig.user = user;
    if (password !== '')
        pgConfig.password = password;
    const ssl = sslConfig(sslmode, files, verifyHost);
    if (ssl !== undefined)
        pgConfig.ssl = ssl;
    if (sslnegotiation !== undefined)
        pgConfig.sslnegotiation = sslnegotiation;
    // libpq's defaults: channel binding when the server offers it, keepalives on (first probe
    // after 10 s here: the OS default of two hours would leave a dead peer unnoticed).
    pgConfig.enableChannelBinding = channelBinding !== 'disable';
    pgConfig.keepAlive = keepalives !== 0;
    if (keepalives !== 0)
        pgConfig.keepAliveInitialDelayMillis = (keepalivesIdle ?? 10) * 1000;
    const connectTimeout = wholeNumber('connect_timeout', 'seconds (0 = wait forever)');
    if (connectTimeout !== undefined)
        pgConfig.connectionTimeoutMillis = connectTimeout * 1000;
    const appName = param('application_name');
    if (appName !== undefined)
        pgConfig.application_name = appName;
    const fallbackAppName = param('fallback_application_name');
    if (fallbackAppName !== undefined)
        pgConfig.fallback_application_name = fallbackAppName;
    const clientEncoding = param('client_encoding');
    if (clientEncoding !== undefined)
        pgConfig.client_encoding = clientEncoding;
    const options = [];
    const userOptions = param('options');
    if (userOptions !== undefined)
        options.push(userOptions);
    if (searchPathText !== '')
        options.push(`-c search_path=${escapeOptionValue(searchPathText)}`);
    for (const [name, value] of params) {
        // Never a libpq keyword: the server would refuse the connection (42704).
        if (LIBPQ_PARAMS.has(name) || PQ_ONLY_PARAMS.has(name) || DBMATE_PARAMS.has(name))
            continue;
        if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(name)) {
            invalid(text, `query parameter "${name}" is not a valid server setting name`);
        }
        options.push(`-c ${name}=${escapeOptionValue(value)}`);
    }
    if (options.length > 0)
        pgConfig.options = options.join(' ');
    const secrets = [password, tlsParams.sslpassword ?? ''].filter((x) => x !== '');
    const target = {
        raw,
        redacted: redactParsedUrl(text, hostStart, secrets),
        scheme,
        database,
        // Typed mutable for callers that take string[], frozen so nobody edits a shared target.
        searchPath: Object.freeze(searchPath),
        pg: pgConfig,
        ...(user !== undefined ? { user } : {}),
        ...(password !== '' ? { password } : {}),
        host,
        hostless: noHost,
        port,
        sslmode,
        sslPrefer,
        ...(files !== undefined ? { sslFiles: files } : {}),
        ...(targetSessionAttrs !== undefined && targetSessionAttrs !== 'any' ? { targetSessionAttrs } : {}),
        channelBinding,
        ...(tls.trust !== undefined ? { trust: tls.trust } : {}),
        ...(hostaddr !== undefined ? { hostaddr } : {}),
        ...(tls.homeClientCert !== undefined ? { homeClientCert: tls.homeClientCert } : {}),
        ...(tlsParams.sslpassword !== undefined ? { sslPassword: tlsParams.sslpassword } : {}),
        secrets: Object.freeze(secrets),
    };
    return seal(target);
}
/**
 * A target for another database on the same server, with the same credentials and options.
 * Used to reach `postgres` for `create database`/`drop database` (dbmate does not switch for
 * redshift; that choice is the caller's).
 */
function withDatabase(target, dbName) {
    const pgConfig = { ...target.pg };
    if (dbName === '')
        delete pgConfig.database;
    else
        pgConfig.database = dbName;
    return seal({
        ...target,
        raw: replacePath(target.raw, dbName),
        redacted: replacePath(target.redacted, dbName),
        database: dbName,
        pg: pgConfig,
    });
}
/** How {@link resolveTls} reads this machine: the options' injections, else the real files, home and CA stores. */
function machineOf(opts) {
    const getCACertificates = external_node_tls_namespaceObject.getCACertificates;
    return {
        readFile: opts.readFile ?? ((p) => (0,external_node_fs_.readFileSync)(p, 'utf8')),
        readDir: opts.readDir ?? ((p) => (0,external_node_fs_.readdirSync)(p)),
        homeDir: opts.homeDir ?? (0,external_node_os_namespaceObject.homedir)(),
        env: opts.env ?? process.env,
        systemCAs: opts.systemCAs ?? (() => getCACertificates?.('system')),
        nodeCAs: () => external_node_tls_namespaceObject.rootCertificates,
    };
}
/** Several hosts or ports (libpq's failover lists): node-postgres connects to one. */
function severalHosts(text, what, value) {
    invalid(text, `several ${what} (${value}) are not supported: node-postgres connects to one host; name one host and port (a managed database's primary or writer endpoint, or a DNS name that follows failover)`);
}
/** Structural redaction of a URL: userinfo password and `password=` params, everything else verbatim. */
function redactUrl(text) {
    return redact(text, []);
}
/**
 * Redaction of a URL that parsed, so its authority is known: mask exactly the userinfo password
 * (the free-text heuristics of {@link redact} could over-mask a URL with '@' in its query), then
 * `password=` params and any other occurrence of the password.
 */
function redactParsedUrl(text, hostStart, secrets) {
    const start = text.indexOf('//') + 2;
    const userinfo = text.slice(start, start + hostStart);
    const colon = userinfo.indexOf(':');
    const masked = colon === -1 ? text : `${text.slice(0, start + colon + 1)}${REDACTED}@${text.slice(start + hostStart)}`;
    return redactSecrets(masked.replace(PASSWORD_PARAM_RE, `$1${REDACTED}`), secrets);
}
function replacePath(url, dbName) {
    const m = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*)(\/[^?#]*)?(.*)$/s.exec(url.trim());
    if (!m)
        return url;
    return `${m[1]}/${encodeURIComponent(dbName)}${m[3]}`;
}
function defaultSocketDir(platform) {
    switch (platform) {
        case 'linux':
            return '/var/run/postgresql';
        case 'darwin':
        case 'freebsd':
        case 'openbsd':
        case 'netbsd':
            return '/tmp';
        default:
            return 'localhost';
    }
}
/** libpq splits `options` on whitespace; a backslash escapes the next character. */
function escapeOptionValue(value) {
    return value.replace(/[\\\s]/g, (c) => `\\${c}`);
}
function parsePort(text, portText) {
    const port = /^\d+$/.test(portText) ? Number(portText) : NaN;
    if (!(port >= 1 && port <= 65535))
        invalid(text, `port "${portText}" is not valid; expected a number from 1 to 65535`);
    return port;
}
function decode(text, value, what) {
    try {
        return decodeURIComponent(value);
    }
    catch (err) {
        invalid(text, `the ${what} has a malformed percent-escape`, err);
    }
}
function describeParseFailure(rest) {
    const authority = /^\/\/([^/?#]*)/.exec(rest)?.[1] ?? '';
    // An '@' after the authority usually means a password holding "/", "?" or "#".
    if (!authority.includes('@') && rest.slice(2 + authority.length).includes('@')) {
        return 'the user name or password holds "/", "?" or "#": percent-encode them as %2F, %3F, %23';
    }
    const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
    const port = /^(?:\[[^\]]*\]|[^:]*):(.*)$/.exec(hostPort)?.[1];
    if (port !== undefined && port !== '' && !/^\d+$/.test(port))
        return `port "${port}" is not a number`;
    if (port !== undefined && /^\d+$/.test(port) && (Number(port) < 1 || Number(port) > 65535)) {
        return `port "${port}" is not valid; expected a number from 1 to 65535`;
    }
    return 'it cannot be parsed (percent-encode special characters in the user name and password)';
}
function invalid(text, reason, cause) {
    throw new errors_MigrationError('URL_INVALID', `invalid database url ${redactUrl(text)}: ${reason}`, {
        ...(cause !== undefined ? { cause } : {}),
    });
}
/** The fields that are safe to log. */
function publicView(t) {
    return {
        redacted: t.redacted,
        scheme: t.scheme,
        database: t.database,
        host: t.host,
        hostless: t.hostless,
        port: t.port,
        user: t.user,
        searchPath: t.searchPath,
        sslmode: t.sslmode,
        channelBinding: t.channelBinding,
        ...(t.trust !== undefined ? { trust: t.trust.source } : {}),
        ...(t.targetSessionAttrs !== undefined ? { targetSessionAttrs: t.targetSessionAttrs } : {}),
    };
}
function seal(target) {
    // Not deep-frozen: node-postgres defines properties on the ssl object (it hides `key`).
    Object.defineProperty(target, 'toJSON', { value: () => publicView(target), enumerable: false });
    Object.defineProperty(target, external_node_util_namespaceObject.inspect.custom, { value: () => `DatabaseTarget ${(0,external_node_util_namespaceObject.inspect)(publicView(target))}`, enumerable: false });
    return Object.freeze(target);
}

;// CONCATENATED MODULE: ./src/engine/topology.ts
/**
 * What a command's connection really reaches, found out before anything is set or locked on it.
 *
 * - **A pooler in transaction (or statement) mode** (PgBouncer `pool_mode = transaction`, the
 *   Supabase and Neon pooler URLs) hands the session's server process to other clients between
 *   transactions. Migrations need one session of their own: the advisory lock would stay held in
 *   the pool (and not protect anything: two runs would apply the same migrations at once), and
 *   every session setting we make would leak into other clients' sessions. Refused
 *   (`POOLER_TRANSACTION_MODE`). A session-mode pooler gives each client its own server process
 *   and works like a direct connection.
 * - **A standby** (`pg_is_in_recovery()`): nothing can be written there. Commands that write are
 *   refused (`STANDBY`); read-only ones (`status`, `plan`/dry runs) answer with a warning that
 *   the standby may lag, as `dbmate status` and `flyway info` answer from a replica.
 * - **`target_session_attrs`** of the URL, checked as libpq checks it for a single host
 *   (`TARGET_SESSION_ATTRS` on a mismatch).
 *
 * How a pooler is told apart, deterministically even for a lone client: the session's first
 * statement records its server process (`pg_backend_pid()`) and carries a unique token in its
 * text. Then a second, short connection (opened by the caller at the same time as the session, so
 * it costs no extra connect latency) asks which process it got and what the session's process ran
 * last (`pg_stat_activity.query`). The session does not own its process when
 * - the second connection was handed the same process (PgBouncer reuses the server connection
 *   released last, so a lone client behind a transaction pooler is caught here), or
 * - another statement than the session's ran on it since (another client of the pool), or
 * - the session's next statement runs on another process.
 * A direct connection or a session pooler can never show any of these.
 *
 * The second connection holds no transaction while the session asks again: with a small pool
 * (`default_pool_size = 2`) and several runs checking at once, probes holding server connections
 * while their sessions wait for one would stall every run until PgBouncer's `query_wait_timeout`.
 */



/**
 * How long the second connection may take to connect (after the session did) and answer, ms. A
 * session pooler whose pool is full (every server connection owned by a client) makes it wait
 * for a free one; then only the session's own process id is compared.
 */
const PROBE_WAIT_MS = 3000;
/**
 * Find out what `conn` reaches and refuse what migrations cannot run on: a transaction pooler,
 * a standby for a command that writes, a server that does not match the URL's
 * `target_session_attrs`. Runs before any session-level setting or lock. Closes `opts.probe`.
 *
 * @throws MigrationError `POOLER_TRANSACTION_MODE`, `STANDBY` or `TARGET_SESSION_ATTRS`
 */
async function checkTopology(conn, target, opts) {
    const probe = settle(opts.probe);
    let arrived;
    void probe.then((p) => (arrived = p));
    try {
        const token = (0,external_node_crypto_.randomUUID)();
        // One autocommit statement: everything it reads comes from the same server process.
        const first = (await conn.query(`/* db-migrate topology ${token} */ select pg_backend_pid() as pid, (select backend_start::text from pg_stat_activity where pid = pg_backend_pid()) as started,
                pg_is_in_recovery() as recovery, current_setting('transaction_read_only') as ro,
                current_setting('server_version_num')::int as v, current_setting('track_activities') as track,
                extract(epoch from now() - pg_last_xact_replay_timestamp())::float8 as lag_s`)).rows[0];
        const where = describeServer(target);
        const readOnly = first.ro === 'on';
        checkSessionAttrs(target.targetSessionAttrs ?? 'any', where, { inRecovery: first.recovery, readOnly });
        if (first.recovery)
            standby(where, first.lag_s, opts, target.targetSessionAttrs);
        const verdict = await lookFromProbe(conn, first, token, probe, opts.log);
        if (verdict.found)
            throw pooled(where, verdict.found);
        return {
            pid: first.pid,
            backendStart: first.started,
            inRecovery: first.recovery,
            readOnly,
            serverVersionNum: first.v,
            ownsBackend: verdict.confirmed,
        };
    }
    finally {
        // One still connecting (late, or the check stopped early) is closed when it arrives; nothing waits for it.
        if (arrived)
            await closeProbe(arrived);
        else
            void probe.then(closeProbe);
    }
}
/** Refuse, or warn, on a standby. */
function standby(where, lagS, opts, attrs) {
    if (opts.writes) {
        throw new errors_MigrationError('STANDBY', `${where} is a standby server in recovery (a read-only replica), where nothing can be migrated: point the database URL at the primary`, { hint: 'pg_is_in_recovery() is true on this server; migrations, rollbacks and the ledger must be written on the primary, and reach the standby by replication' });
    }
    const lag = lagS === null ? 'it has replayed no transaction since it started' : `its last replayed transaction committed ${formatLag(lagS)} ago on the primary`;
    const message = `${where} is a standby server in recovery: what it shows may lag behind the primary (${lag})`;
    // Asked for by the URL: the user knows; otherwise they should.
    if (attrs === 'standby' || attrs === 'prefer-standby' || attrs === 'read-only')
        opts.log.debug(message);
    else
        opts.log.warn(message);
}
/**
 * libpq's check of `target_session_attrs` for one host: `read-write` and `read-only` look at
 * `transaction_read_only`, `primary` and `standby` at `pg_is_in_recovery()`; `prefer-standby`
 * (with a single host) and `any` accept either.
 *
 * @throws MigrationError `TARGET_SESSION_ATTRS` naming the attribute and what the server is
 */
function checkSessionAttrs(attrs, where, server) {
    const is = (() => {
        switch (attrs) {
            case 'read-write':
                return server.readOnly ? 'is read-only (transaction_read_only = on)' : undefined;
            case 'read-only':
                return server.readOnly ? undefined : 'is not read-only (transaction_read_only = off)';
            case 'primary':
                return server.inRecovery ? 'is a standby in recovery' : undefined;
            case 'standby':
                return server.inRecovery ? undefined : 'is a primary, not in recovery';
            default:
                return undefined;
        }
    })();
    if (is === undefined)
        return;
    throw new errors_MigrationError('TARGET_SESSION_ATTRS', `the database URL asks for target_session_attrs=${attrs}, but ${where} ${is}`, {
        hint: 'point the URL at a server of that kind, or change target_session_attrs (this URL names one host, so there is no other server to try)',
    });
}
async function closeProbe(p) {
    if ('conn' in p)
        await closeQuietly(p.conn);
}
function settle(p) {
    return p.then((conn) => ({ conn }), (error) => ({ error }));
}
/** The second connection's look, then the session's second answer. `found` is the evidence of a transaction pooler. */
async function lookFromProbe(conn, first, token, probe, log) {
    const seen = await withDeadline(probe.then(async (p) => {
        if (!('conn' in p))
            throw p.error;
        const { rows } = await p.conn.query(`select pg_backend_pid() as pid, a.pid is not null as seen, a.query from (select 1) one left join pg_stat_activity a on a.pid = ${Number(first.pid)}`);
        return rows[0];
    }), PROBE_WAIT_MS);
    if ('late' in seen || 'error' in seen) {
        const why = 'late' in seen ? `did not answer within ${PROBE_WAIT_MS} ms (a pooler with no free server connection?)` : `failed: ${seen.error?.message ?? String(seen.error)}`;
        log.warn(`the second connection that checks for a transaction pooler ${why}; only the session's own server process id was compared`);
        // A late probe may be waiting in a pooler's queue: drop it rather than wait for its goodbye.
        if ('late' in seen)
            void probe.then((p) => void ('conn' in p && destroySocket(p.conn)));
    }
    else {
        const r = seen.value;
        if (r.pid === first.pid)
            return { found: `a second connection was handed the session's server process (pid ${first.pid})`, confirmed: false };
        const q = r.query ?? '';
        // Empty with track_activities off; another role's process shows '<insufficient privilege>': no evidence either way.
        if (r.seen && first.track === 'on' && q !== '' && q !== '<insufficient privilege>' && !q.includes(token)) {
            return { found: `another client's statement ran on the session's server process (pid ${first.pid})`, confirmed: false };
        }
    }
    const again = (await conn.query('select pg_backend_pid() as pid')).rows[0].pid;
    if (again !== first.pid)
        return { found: `the session's server process changed between two statements (pid ${first.pid}, then ${again})`, confirmed: false };
    return { confirmed: 'value' in seen };
}
function pooled(where, found) {
    return new errors_MigrationError('POOLER_TRANSACTION_MODE', `${where} is a connection pooler in transaction or statement mode (such as PgBouncer pool_mode = transaction, or the Supabase and Neon pooler URLs), ` +
        `and migrations need a session of their own: use the direct database URL or the pooler's session mode ` +
        `(Supabase: port 5432 of the pooler, not 6543; Neon: the host name without -pooler)`, {
        hint: `found: ${found}; behind a transaction pooler the advisory lock would stay held in the pool and not keep two runs apart, ` +
            `and session settings would leak into other clients' sessions`,
    });
}
/** `host:port`, or the socket file for a Unix-socket directory. */
function describeServer(target) {
    if (target.host.startsWith('/'))
        return `the server at ${target.host}/.s.PGSQL.${target.port}`;
    const host = target.host.includes(':') ? `[${target.host}]` : target.host;
    return `${host}:${target.port}`;
}
function formatLag(s) {
    if (s < 1)
        return `${Math.max(0, Math.round(s * 1000))} ms`;
    if (s < 120)
        return `${Math.round(s)} s`;
    if (s < 7200)
        return `${Math.round(s / 60)} min`;
    return `${Math.round(s / 3600)} h`;
}
async function withDeadline(p, ms) {
    let timer;
    const late = new Promise((resolve) => {
        timer = setTimeout(() => resolve({ late: true }), ms);
    });
    try {
        return await Promise.race([p.then((value) => ({ value }), (error) => ({ error })), late]);
    }
    finally {
        clearTimeout(timer);
    }
}

;// CONCATENATED MODULE: ./src/engine/session.ts
/**
 * How a command reaches the database. Every scope here is a callback, as graphile-migrate's
 * `withClient`/`withAdvisoryLock`: the connection is closed and the advisory lock released in
 * `finally`, whatever the callback does, so no command can forget either.
 *
 * - {@link withSession}: the one connection of a command (creating a missing database when asked);
 * - {@link withReadOnlySession}: the same for dry runs, which can create or change nothing;
 * - {@link withLock}: the advisory lock everything that changes the database runs under;
 * - {@link withAdminSession}: the maintenance database, for `create`/`drop`.
 *
 * Every session is checked before anything is set or locked on it (`topology.ts`): a pooler in
 * transaction mode, a standby for a command that writes, and a server that does not match the
 * URL's `target_session_attrs` are refused. The second connection that check needs is opened
 * here at the same time as the session, so it costs no extra connect latency.
 */









/**
 * Default of {@link SessionSettings.livenessTimeoutMs}. 20 s of silence, one look (a sixth of it)
 * and a last quick reconnect (2 s): a dead network is reported within 30 s.
 */
const DEFAULT_LIVENESS_TIMEOUT_MS = 20_000;
/**
 * Open a connection to `target`, retrying (per {@link SessionSettings.connectRetries}) only
 * failures that may pass by themselves. The one place a command connects.
 */
async function connectWithRetry(s, target = s.target) {
    const retries = s.connectRetries ?? 0;
    for (let attempt = 1;; attempt++) {
        try {
            return await connect(target, { connectTimeoutMs: s.connectTimeoutMs });
        }
        catch (err) {
            if (attempt > retries || !isTransientConnectError(err) || s.signal?.aborted)
                throw err;
            const delay = (s.connectRetryBaseMs ?? 1000) * 2 ** (attempt - 1);
            s.log.warn(`${err.message}; retry ${attempt}/${retries} in ${delay} ms`);
            await sleep(delay, s.signal);
            if (s.signal?.aborted)
                throw cancelledError(s.signal, 'the database could be reached; nothing was applied');
        }
    }
}
/** What `topology.ts` found about each open session, for {@link withLock}. */
const topologies = new WeakMap();
/**
 * Open `target` and check what it reaches (`checkTopology`), with the check's second connection
 * opened concurrently. A failed second connection is tried once more after the session is open
 * (the first try may have met the same starting server the session retried through).
 */
async function openChecked(s, target, writes) {
    let opened = () => undefined;
    const sessionOpen = new Promise((resolve) => (opened = resolve));
    const probe = connect(target, { connectTimeoutMs: s.connectTimeoutMs }).catch(() => sessionOpen.then(() => connect(target, { connectTimeoutMs: s.connectTimeoutMs })));
    let conn;
    try {
        conn = await connectWithRetry(s, target);
    }
    catch (err) {
        void probe.then(closeQuietly, () => undefined);
        throw err;
    }
    opened();
    try {
        topologies.set(conn, await checkTopology(conn, target, { writes, probe, log: s.log }));
    }
    catch (err) {
        await closeQuietly(conn);
        throw err;
    }
    return conn;
}
/**
 * One connection for one command, closed when `fn` settles. With `createMissing`, a missing
 * database is created by it first (dbmate's `up`), and `created` tells `fn` so. The session is
 * checked first (see the module comment); `opts.writes` says whether the command writes.
 */
async function withSession(s, fn, createMissing, opts = {}) {
    const writes = opts.writes ?? true;
    let conn;
    let created = false;
    try {
        conn = await openChecked(s, s.target, writes);
    }
    catch (err) {
        if (!createMissing || err.code !== 'DATABASE_MISSING')
            throw err;
        await createMissing();
        created = true;
        conn = await openChecked(s, s.target, writes);
    }
    try {
        return await fn(conn, created);
    }
    finally {
        await closeQuietly(conn);
    }
}
/**
 * A read-only session for dry runs: even a bug in the caller could not create or change
 * anything. `fn` gets the resolved ledger and whether it exists (checked: another tool's table of
 * that name is refused with `LEDGER_FOREIGN`). A missing database is not an
 * error here: `onMissing` answers instead.
 */
async function withReadOnlySession(s, fn, onMissing) {
    let missing = false;
    const result = await withSession(s, async (conn) => {
        await conn.query('SET default_transaction_read_only = on');
        const ledger = await resolveLedgerName(conn, s.migrationsTable, s.target.searchPath);
        return fn(conn, ledger, await checkLedger(conn, ledger));
    }, undefined, { writes: false }).catch((err) => {
        if (err.code !== 'DATABASE_MISSING')
            throw err;
        missing = true;
        return undefined;
    });
    return missing ? onMissing() : result;
}
/**
 * Run `fn` under the advisory lock of this ledger, held on `conn` (advisory locks belong to a
 * session) and released in `finally`. Everything that changes the database runs here, and the
 * plan is made inside, after the lock is taken, so two concurrent runs never apply the same
 * migration. The session is watched while the lock is held (`guard.ts`): a dead network or a
 * cancelled run ends it instead of leaving it waiting.
 */
async function withLock(conn, s, fn) {
    const ledger = await resolveLedgerName(conn, s.migrationsTable, s.target.searchPath);
    const key = lockKey(ledger.quoted);
    const guard = await SessionGuard.start(conn, {
        target: s.target,
        livenessTimeoutMs: s.livenessTimeoutMs ?? DEFAULT_LIVENESS_TIMEOUT_MS,
        ...(s.connectTimeoutMs !== undefined ? { connectTimeoutMs: s.connectTimeoutMs } : {}),
        ...(s.signal ? { signal: s.signal } : {}),
        // Session settings only where the session was shown to own its server process.
        ownsBackend: topologies.get(conn)?.ownsBackend ?? false,
        log: s.log,
    });
    try {
        await acquireLock(conn, key, s.lockWaitTimeoutMs, s.log, s.signal);
        try {
            return await fn({ ledger, history: configuredHistory(ledger, s.historyTable), guard });
        }
        finally {
            await releaseLock(conn, key, s.log);
        }
    }
    finally {
        await guard.stop();
    }
}
/**
 * A connection to the server's `postgres` database, for what cannot run inside the target
 * database itself (`create database`, `drop database`); closed when `fn` settles.
 */
async function withAdminSession(s, fn) {
    const admin = await openChecked(s, withDatabase(s.target, 'postgres'), true);
    try {
        return await fn(admin);
    }
    finally {
        await closeQuietly(admin);
    }
}
/**
 * A second look after the command's own connection died (a killed backend, a restarting server, a
 * dead network): retried while the failure may pass by itself, for at most {@link RECONNECT_MS}
 * (a cancelled run has seconds left before the job is killed, and a session the guard found silent
 * has had its network tried for the whole liveness timeout already: {@link RECONNECT_WHEN_CANCELLED_MS}),
 * then `undefined`: the run must end with its truth, or say it does not know it, never hang on it.
 */
async function reconnect(s, opts = {}) {
    const deadline = Date.now() + (s.signal?.aborted || opts.quick ? RECONNECT_WHEN_CANCELLED_MS : RECONNECT_MS);
    for (;;) {
        const left = deadline - Date.now();
        const timeout = Math.max(1, Math.min(left, s.connectTimeoutMs || left));
        try {
            return await connect(s.target, { connectTimeoutMs: timeout });
        }
        catch (err) {
            if (!isTransientConnectError(err) || Date.now() + RECONNECT_PAUSE_MS >= deadline)
                return undefined;
            await sleep(RECONNECT_PAUSE_MS);
        }
    }
}
const RECONNECT_MS = 10_000;
const RECONNECT_WHEN_CANCELLED_MS = 2_000;
const RECONNECT_PAUSE_MS = 200;
/**
 * Connection failures that may pass by themselves: refused (server starting or restarting),
 * timeouts, unreachable networks, temporary DNS failures, `the database system is starting up`
 * (57P03), too many connections (53300). Bad credentials, a missing database, TLS refusals and
 * unknown hosts fail the same way every time.
 */
function isTransientConnectError(err) {
    const seen = new Set();
    const transient = (e) => {
        if (!e || typeof e !== 'object' || seen.has(e))
            return false;
        seen.add(e);
        const x = e;
        if (x.code && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|57P03|53300)$/.test(x.code))
            return true;
        if (/timeout|timed out|Connection terminated unexpectedly/i.test(x.message ?? ''))
            return true;
        return transient(x.cause) || (Array.isArray(x.errors) && x.errors.some(transient));
    };
    if (err?.code === 'DATABASE_MISSING')
        return false;
    return transient(err?.cause ?? err);
}

;// CONCATENATED MODULE: ./src/engine/outcome.ts
/**
 * What a run of `up` or `rollback` leaves behind, read after its last step: which migrations are
 * applied now (through a fresh connection when the session died), the audit row of a step lost
 * with its connection, and dbmate's schema file when the run succeeded.
 */









/** How long the old session may take to end before the outcome is declared unknown. */
const END_STALE_MS = 10_000;
const END_STALE_WHEN_CANCELLED_MS = 2_000;
/**
 * The {@link RunResult} of a run whose steps are done; never throws for a lost connection or a
 * failed schema dump. After a lost connection nothing is guessed: the old session is ended from a
 * fresh connection and waited for (until then its migration may still commit), then the ledger
 * says what happened, and the last step is reported as that. When that cannot be done, the
 * result says the state is unknown and how to find out.
 */
async function settleRun(conn, s, run) {
    const { command, files, ledger, history, steps } = run;
    const result = { command, steps, error: run.error, pending: [], pendingFiles: [], files: files.map(refOf), durationMs: 0 };
    if (s.signal?.aborted)
        result.cancelled = abortReason(s.signal);
    const lost = stoppedByLostConnection(run.error);
    const fresh = lost ? await reconnect(s, { quick: run.session?.lostReason !== undefined }) : undefined;
    const db = lost ? fresh : conn;
    const last = steps.at(-1);
    try {
        let unknown;
        if (lost && !fresh)
            unknown = 'the database could not be reached again';
        else if (lost && fresh && run.session && !(await endStaleSession(fresh, run.session, s.signal?.aborted ? END_STALE_WHEN_CANCELLED_MS : END_STALE_MS).catch(() => false))) {
            unknown = `the old session (server process ${run.session.pid}) could not be ended, and its migration may still commit`;
        }
        const applied = db && !unknown ? await appliedVersions(db, ledger).catch(() => undefined) : undefined;
        if (!unknown && !applied)
            unknown = 'the ledger could not be read again';
        if (unknown || !applied) {
            result.stateUnknown = true;
            result.unknownReason = unknownAdvice(unknown ?? '', last, run.session);
            // The step's own error would say "nothing of it was applied": not known, so not said.
            result.error = new errors_MigrationError('OUTCOME_UNKNOWN', result.unknownReason, {
                hint: 'once `status` answers, run again: a rerun applies only what the ledger lacks',
                ...(run.error ? { cause: run.error } : {}),
            });
        }
        else {
            const after = makePlan(files, applied);
            result.pending = after.pending.map((f) => f.version);
            result.pendingFiles = after.pending.map(refOf);
            result.currentVersion = after.highestApplied;
            if (lost && fresh) {
                if (last && committed(last, after))
                    heardLate(result, last, run.session?.lostReason);
                else
                    await recordLostStep(fresh, last, after, run.stepOpts);
            }
            if (s.dumpSchema && !result.error) {
                Object.assign(result, await writeSchemaAfter(conn, s.target, ledger, { pgDump: s.pgDump, history, schemaFile: s.schemaFile, cwd: s.cwd, log: s.log }, 'the migrations themselves succeeded'));
            }
        }
    }
    finally {
        await closeQuietly(fresh);
    }
    result.durationMs = Date.now() - run.t0;
    return result;
}
/** Whether a run's failure is the loss of its session (the error, or the driver's error it wraps). */
function stoppedByLostConnection(error) {
    return error !== undefined && isConnectionLost(error.cause ?? error);
}
/** Whether the ledger shows the effect of a step whose answer was lost. */
function committed(step, after) {
    if (step.outcome !== 'failed' && step.outcome !== 'cancelled')
        return false;
    const applied = after.files.some((r) => r.file.version === step.version && r.applied);
    return step.direction === 'up' ? applied : !applied;
}
/**
 * The last step committed before its connection was lost (its ledger and history rows committed
 * with it): report it as done, and the run as stopped by the lost connection, not by the step.
 */
function heardLate(result, step, why) {
    step.outcome = step.direction === 'up' ? 'applied' : 'rolled-back';
    step.committedUnheard = true;
    delete step.error;
    result.error = new errors_MigrationError('CONNECTION_LOST', `the connection was lost${why ? ` (${why})` : ''} after ${step.displayPath} committed: the ledger shows it ${step.direction === 'up' ? 'applied' : 'rolled back'}, but its answer never arrived; the run stopped there`, { hint: 'nothing is half-done: run the same command again to continue' });
}
/** What to tell when the outcome cannot be known, and how to find it out. */
function unknownAdvice(why, step, session) {
    const what = step ? `whether ${step.displayPath} was ${step.direction === 'up' ? 'applied' : 'rolled back'} is unknown` : 'what is applied now is unknown';
    const old = session ? ` The server ends the old session (process ${session.pid}) by itself once its statement is done (idle_session_timeout); until then it holds the migration lock.` : '';
    return (`the connection was lost${session?.lostReason ? ` (${session.lostReason})` : ''} and ${why}: ${what}.${old} ` +
        'To find out, run `status` once the database answers (its ledger is the truth: a transactional migration is either applied with its ledger row or not at all)');
}

;// CONCATENATED MODULE: ./src/engine/baseline.ts



/**
 * The version's position in dbmate's order, or the error naming the nearest versions: baseline
 * takes the files up to and including this one.
 *
 * @throws {MigrationError} `BASELINE_VERSION_INVALID` when `version` is not digits (no file could
 *   have it); `BASELINE_VERSION_UNKNOWN` when no file has this version
 */
function baselineIndex(files, version) {
    if (!isMigrationVersion(version)) {
        throw new errors_MigrationError('BASELINE_VERSION_INVALID', `cannot baseline to ${version}: expected ${MIGRATION_VERSION_FORMAT}`, {
            hint: '`status` lists the migration files; give the version of the last one the database already has',
        });
    }
    const at = files.findIndex((f) => f.version === version);
    if (at !== -1)
        return at;
    const below = files.filter((f) => f.version < version).at(-1);
    const above = files.find((f) => f.version > version);
    const near = [below && `${below.version} (${below.displayPath})`, above && `${above.version} (${above.displayPath})`].filter(Boolean);
    throw new errors_MigrationError('BASELINE_VERSION_UNKNOWN', `cannot baseline to ${version}: no migration file has this version; nearest: ${near.join(', ') || 'none'}`, {
        hint: 'give the version of a migration file (the leading digits of its name); `status` lists them',
    });
}
/**
 * The objects the files' up sections leave behind, replayed in order (a table a later file drops
 * or renames is not expected under its old name), keeping those created by a file of `todo`.
 * Only what can be checked cheaply and surely is followed: tables (their columns too), views,
 * materialized views and named indexes. Temporary tables and files the parser cannot read are
 * left out (the latter are returned, to be warned about).
 */
async function expectedObjects(files, todo) {
    const lib = await split_loadParser();
    const rels = new Map();
    const cols = new Map();
    const unchecked = [];
    const key = (schema, name) => `${schema}\u0000${name}`;
    const addRel = (kind, rv, file, columns = []) => {
        if (!rv?.relname || rv.relpersistence === 't')
            return;
        const k = key(rv.schemaname ?? '', rv.relname);
        rels.set(k, { kind, schema: rv.schemaname ?? '', name: rv.relname, file });
        cols.set(k, new Map(columns.map((c) => [c, { kind: 'column', schema: rv.schemaname ?? '', name: rv.relname, column: c, file }])));
    };
    const relKey = (rv) => (rv?.relname ? key(rv.schemaname ?? '', rv.relname) : undefined);
    for (const m of files) {
        const file = m.file.displayPath;
        let stmts;
        try {
            stmts = (lib.parseSync(m.parsed.up.sql).stmts ?? []);
        }
        catch (err) {
            if (todo.has(m.file.version))
                unchecked.push({ file, reason: err.message });
            continue;
        }
        const own = todo.has(m.file.version);
        for (const { stmt } of stmts) {
            if (!stmt)
                continue;
            const [type, node] = Object.entries(stmt)[0];
            if (type === 'CreateStmt') {
                const columns = (node.tableElts ?? []).map((e) => e.ColumnDef?.colname).filter((c) => !!c);
                if (own)
                    addRel('table', node.relation, file, columns);
                else
                    forget(rels, cols, relKey(node.relation));
            }
            else if (type === 'CreateTableAsStmt') {
                const rv = node.into?.rel;
                if (own)
                    addRel(node.objtype === 'OBJECT_MATVIEW' ? 'materialized view' : 'table', rv, file);
                else
                    forget(rels, cols, relKey(rv));
            }
            else if (type === 'ViewStmt') {
                if (own)
                    addRel('view', node.view, file);
                else
                    forget(rels, cols, relKey(node.view));
            }
            else if (type === 'IndexStmt' && node.idxname) {
                const rv = node.relation;
                const ix = { relname: node.idxname, ...(rv.schemaname ? { schemaname: rv.schemaname } : {}) };
                if (own)
                    addRel('index', ix, file);
                else
                    forget(rels, cols, relKey(ix));
            }
            else if (type === 'AlterTableStmt') {
                const k = relKey(node.relation);
                // A column added to a table an earlier (already applied) file created is expected too.
                if (k && own && !cols.has(k))
                    cols.set(k, new Map());
                const table = k ? cols.get(k) : undefined;
                for (const c of (node.cmds ?? [])) {
                    const cmd = c.AlterTableCmd;
                    if (!cmd || !table)
                        continue;
                    const col = cmd.def?.ColumnDef;
                    if (cmd.subtype === 'AT_AddColumn' && col?.colname) {
                        const rv = node.relation;
                        if (own)
                            table.set(col.colname, { kind: 'column', schema: rv.schemaname ?? '', name: rv.relname, column: col.colname, file });
                        else
                            table.delete(col.colname);
                    }
                    else if (cmd.subtype === 'AT_DropColumn' && cmd.name) {
                        table.delete(cmd.name);
                    }
                }
            }
            else if (type === 'RenameStmt') {
                const k = relKey(node.relation);
                if (!k)
                    continue;
                if (node.renameType === 'OBJECT_COLUMN') {
                    const table = cols.get(k);
                    const was = table?.get(node.subname);
                    table?.delete(node.subname);
                    if (table && was)
                        table.set(node.newname, { ...was, column: node.newname, file });
                }
                else if (['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_INDEX'].includes(node.renameType)) {
                    const was = rels.get(k);
                    const wasCols = cols.get(k);
                    forget(rels, cols, k);
                    const rv = node.relation;
                    const nk = key(rv.schemaname ?? '', node.newname);
                    if (was)
                        rels.set(nk, { ...was, name: node.newname, file });
                    if (wasCols)
                        cols.set(nk, new Map([...wasCols].map(([c, o]) => [c, { ...o, name: node.newname }])));
                }
            }
            else if (type === 'DropStmt' && ['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_INDEX'].includes(node.removeType)) {
                for (const o of (node.objects ?? [])) {
                    const parts = (o.List?.items ?? []).map((i) => i.String?.sval);
                    const name = parts.at(-1);
                    if (name)
                        forget(rels, cols, key(parts.length > 1 ? parts[parts.length - 2] : '', name));
                }
            }
        }
    }
    const objects = [];
    for (const o of rels.values())
        objects.push(o);
    for (const [k, c] of cols)
        if (!rels.has(k) || rels.get(k).kind === 'table')
            objects.push(...c.values());
    return { objects, unchecked };
}
function forget(rels, cols, k) {
    if (k === undefined)
        return;
    rels.delete(k);
    cols.delete(k);
}
/** `table app.users`, `column users.email`: an object as messages name it. */
function baseline_objectName(o) {
    const rel = o.schema ? `${o.schema}.${o.name}` : o.name;
    return o.kind === 'column' ? `column ${rel}.${o.column}` : `${o.kind} ${rel}`;
}
const RELKINDS = {
    table: ['r', 'p', 'f'],
    view: ['v'],
    'materialized view': ['m'],
    index: ['i', 'I'],
};
/**
 * The expected objects the database lacks, in one catalog query. Unqualified names are resolved
 * through the session's search_path, as the migration would have resolved them; a relation of
 * another kind (a view where a table was created) counts as missing. The columns of a missing
 * table are left out (the table says it).
 */
async function missingObjects(conn, objects) {
    if (objects.length === 0)
        return [];
    const wanted = objects.map((o, i) => ({ i, schema: o.schema, name: o.name, column: o.column ?? null, kinds: o.kind === 'column' ? RELKINDS.table : RELKINDS[o.kind] }));
    const { rows } = await conn.query(`select (o->>'i')::int as i
       from json_array_elements($1::json) o
       left join pg_class c on c.oid = to_regclass(case when o->>'schema' = '' then quote_ident(o->>'name') else quote_ident(o->>'schema') || '.' || quote_ident(o->>'name') end)
      where c.oid is null
         or not (c.relkind::text in (select json_array_elements_text(o->'kinds')))
         or (o->>'column' is not null and not exists (
               select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = o->>'column' and a.attnum > 0 and not a.attisdropped))
      order by 1`, [JSON.stringify(wanted)]);
    const missing = rows.map((r) => objects[r.i]);
    // A missing table's columns are missing too: naming the table says it.
    const gone = new Set(missing.filter((o) => o.kind !== 'column').map((o) => `${o.schema}.${o.name}`));
    return missing.filter((o) => o.kind !== 'column' || !gone.has(`${o.schema}.${o.name}`));
}
/**
 * Whether the database has a table of its own, besides the ledger and the history table: a
 * database with none has nothing to adopt (its migrations are for `up`).
 */
async function hasUserTables(conn, ledger, history) {
    const { rows } = await conn.query(`select count(*)::int as n from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p', 'f') and n.nspname not in ('pg_catalog', 'information_schema')
        and n.nspname not like 'pg\\_toast%' and n.nspname not like 'pg\\_temp\\_%'
        and (n.nspname, c.relname) not in (($1, $2), ($3, $4))`, [ledger.schema, ledger.table, history?.schema ?? ledger.schema, history?.table ?? ledger.table]);
    return rows[0].n > 0;
}
/** Most missing objects one message names; the rest are counted. */
const MISSING_SHOWN = 5;
/** The refusal when {@link missingObjects} found some: each object with its file, and what to do. */
function schemaMismatchError(version, missing) {
    const shown = missing.slice(0, MISSING_SHOWN).map((o) => `${baseline_objectName(o)} (created by ${o.file})`);
    const more = missing.length > MISSING_SHOWN ? ` and ${missing.length - MISSING_SHOWN} more` : '';
    const plural = missing.length > 1;
    return new errors_MigrationError('BASELINE_SCHEMA_MISMATCH', `cannot baseline to ${version}: the database does not match the migrations: ${shown.join(', ')}${more} ${plural ? 'do' : 'does'} not exist; nothing was recorded`, {
        hint: 'baseline records migrations as applied without running them, so what they create must already be there: ' +
            'check that the URL names the database to adopt, baseline an earlier version, or create the missing objects first',
    });
}
/** The refusal in a database with no table at all. */
function emptyDatabaseError(version) {
    return new errors_MigrationError('BASELINE_EMPTY_DATABASE', `cannot baseline to ${version}: the database has no tables, so there is nothing to adopt; nothing was recorded`, {
        hint: 'run `up` to apply the migrations instead (baseline is for a database whose schema already exists)',
    });
}

;// CONCATENATED MODULE: ./src/engine/migrator.ts




















/** The migration engine: dbmate's commands, with locking, timeouts, retries and an audit trail. */
class Migrator {
    cfg;
    held;
    /** {@link serverLockTimeout} of each session seen. */
    serverLockTimeouts = new WeakMap();
    /** The history table this invocation wrote a row into (a step ran), for {@link recordRunOutcome}. */
    recordedIn;
    /** One Migrator is one invocation: every history row it writes shares the invocation id. */
    constructor(cfg) {
        this.cfg = { ...cfg, ctx: { ...cfg.ctx, invocationId: cfg.ctx.invocationId ?? (0,external_node_crypto_.randomUUID)() } };
    }
    get log() {
        return this.cfg.log;
    }
    /** `create`: create the database (dbmate prints `Creating: <db>`). */
    async createDatabase() {
        this.log.info(`Creating: ${this.cfg.target.database}`);
        await withAdminSession(this.cfg, (admin) => admin.query(`create database ${esm.escapeIdentifier(this.cfg.target.database)}`));
    }
    /** `drop`: drop the database if it exists. */
    async dropDatabase() {
        this.log.info(`Dropping: ${this.cfg.target.database}`);
        await withAdminSession(this.cfg, (admin) => admin.query(`drop database if exists ${esm.escapeIdentifier(this.cfg.target.database)}`));
    }
    /**
     * Hold one session and the migration lock for everything `fn` does: `up`, `rollbackVersions`
     * and `rollback` called inside reuse them, so nothing can start between a deploy's migrations,
     * its health checks and its automatic rollback. With `createDatabase`, a missing database is
     * created first (as `up` does). When the held session is lost, the next command inside opens
     * (and locks) a new one.
     */
    async holdLock(opts, fn) {
        if (this.held)
            return fn();
        const createMissing = opts.createDatabase ? () => this.createDatabase() : undefined;
        return withSession(this.cfg, (conn, created) => withLock(conn, this.cfg, async (locked) => {
            this.held = { conn, created, locked };
            try {
                return await fn();
            }
            finally {
                this.held = undefined;
            }
        }), createMissing);
    }
    /** `fn` on the held session (see {@link holdLock}), else on a session and lock of its own. */
    locked(fn, createMissing) {
        const held = this.held;
        if (held && !held.locked.guard.lostReason && !held.lost) {
            // A database created by the held session counts once: for the first command that asks.
            const created = held.created;
            held.created = false;
            return fn(held.conn, held.locked, created);
        }
        return withSession(this.cfg, (conn, created) => withLock(conn, this.cfg, (locked) => fn(conn, locked, created)), createMissing);
    }
    /**
     * `up` (create the database if missing) and `migrate`: apply pending migrations in order.
     * Every pending file is parsed, then `beforeApply` runs, then the ledger tables are created
     * when missing and the migrations run, all under one advisory lock.
     */
    async up(opts = {}) {
        const t0 = Date.now();
        // dbmate creates a missing database before it looks at the migrations directory.
        const createMissing = opts.createDatabase ? () => this.createDatabase() : undefined;
        return this.locked(async (conn, locked, created) => {
            const { ledger, history } = locked;
            const files = await this.files();
            if (files.length === 0) {
                throw new errors_MigrationError('NO_MIGRATIONS', 'no migration files found', {
                    hint: `add a migration with \`db-migrate-action new NAME\` in ${this.cfg.migrationsDirs.join(', ')}`,
                });
            }
            const plan = makePlan(files, await appliedVersions(conn, ledger));
            if (this.cfg.strict)
                checkStrictOrder(plan);
            const edited = await this.checkEdited(conn, ledger, plan);
            const todo = plan.pending.slice(0, opts.steps ?? plan.pending.length);
            const loaded = loadMigrations(todo);
            // Before the ledger tables are created: a backup taken here shows the database as it was.
            if (opts.beforeApply && loaded.length > 0)
                await opts.beforeApply(loaded.map((m) => refOf(m.file)), applyInfo('up', conn, created, plan, this.cfg.target.searchPath));
            await this.ensureTables(conn, ledger, history);
            const stepOpts = await this.stepOptions(conn, ledger, history);
            const { steps, stopped } = await this.runSteps(conn, loaded, 'up', stepOpts, ready);
            const result = await this.settle(conn, locked, { command: 'up', files, ledger, history, steps, error: stopped?.error, t0, stepOpts });
            if (created)
                result.databaseCreated = true;
            if (edited.length > 0)
                result.edited = edited;
            return result;
        }, createMissing);
    }
    /** `rollback`/`down`: undo the last `steps` applied migrations (dbmate order), newest first. */
    async rollback(opts = {}) {
        const t0 = Date.now();
        const files = await this.files();
        return this.locked(async (conn, locked) => {
            const { ledger, history } = locked;
            await this.ensureTables(conn, ledger, history);
            const plan = makePlan(files, await appliedVersions(conn, ledger));
            const targets = rollbackTargets(plan, opts.steps ?? 1);
            if (targets.length === 0) {
                throw new errors_MigrationError('NOTHING_TO_ROLLBACK', "can't rollback: no migrations have been applied", {
                    hint: 'run `status` to see what is applied',
                });
            }
            const loaded = loadMigrations(targets);
            if (opts.beforeApply)
                await opts.beforeApply(loaded.map((m) => refOf(m.file)), applyInfo('rollback', conn, false, plan, this.cfg.target.searchPath));
            const stepOpts = await this.stepOptions(conn, ledger, history);
            const { steps, stopped } = await this.runSteps(conn, loaded, 'down', stepOpts, ready);
            return this.settle(conn, locked, { command: 'rollback', files, ledger, history, steps, error: stopped?.error, t0, stepOpts });
        });
    }
    /**
     * Undo exactly these versions (e.g. what a failed run applied), newest first in dbmate's file
     * order, each down section in its own transaction (unless `transaction:false`) with its ledger
     * delete and a `rolled-back` history row. Versions that are not applied are skipped.
     *
     * Stops at the first version it cannot undo honestly: no file, a file that no longer parses, a
     * down section with no statement (dbmate would just delete the ledger row and leave the change
     * in place; for an automatic rollback that would be a lie), or down SQL that fails. The result
     * says where it stopped and what remains applied; nothing is thrown for those.
     */
    async rollbackVersions(versions, opts = {}) {
        const t0 = Date.now();
        const files = await this.files();
        const byVersion = new Map(files.map((f) => [f.version, f]));
        const requested = newestFirst(files, [...new Set(versions)]);
        return this.locked(async (conn, locked) => {
            const { ledger, history } = locked;
            await this.ensureTables(conn, ledger, history);
            const applied = await appliedVersions(conn, ledger);
            const notApplied = requested.filter((v) => !applied.has(v));
            const todo = requested.filter((v) => applied.has(v));
            this.log.info(`Rolling back ${todo.length} migration(s)${opts.reason ? ` (${opts.reason})` : ''}: ${todo.join(', ') || 'none'}`);
            for (const v of notApplied)
                this.log.warn(`version ${v} is not applied: nothing to roll back`);
            // The automatic rollback never printed dbmate's `Rows affected:` lines; it still does not.
            const stepOpts = await this.stepOptions(conn, ledger, history);
            const check = (v) => this.undoable(byVersion.get(v), v);
            const { steps, stopped } = await this.runSteps(conn, todo, 'down', stepOpts, check, { rowsAffected: false });
            const base = await this.settle(conn, locked, { command: 'rollback', files, ledger, history, steps, error: stopped?.error, t0, stepOpts });
            const undone = new Set(steps.filter((st) => st.outcome === 'rolled-back').map((st) => st.version));
            const pendingAfter = new Set(base.pending);
            // With the ledger unreadable (connection lost), trust the steps: what did not finish remains.
            const stillApplied = (v) => (base.stateUnknown ? !undone.has(v) : !pendingAfter.has(v));
            const remaining = todo
                .filter(stillApplied)
                .map((v) => (byVersion.has(v) ? refOf(byVersion.get(v)) : { version: v, fileName: '', displayPath: '' }));
            const stoppedAt = stopped && { version: stopped.version, reason: stopped.reason, ...(stopped.displayPath !== undefined ? { displayPath: stopped.displayPath } : {}) };
            if (stoppedAt)
                this.log.warn(`rollback stopped at ${stoppedAt.displayPath ?? stoppedAt.version}; still applied: ${remaining.map((m) => m.version).join(', ') || 'none'}`);
            return {
                ...base,
                command: 'rollback',
                ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
                requested,
                notApplied,
                remaining,
                ...(stoppedAt ? { stoppedAt } : {}),
            };
        });
    }
    /**
     * `rollbackVersions`' check before each version: the file must exist, parse, and have a down
     * section with a statement in it. Anything else stops the loop with its reason.
     */
    async undoable(file, version) {
        if (!file) {
            return {
                version,
                reason: 'no-file',
                error: new errors_MigrationError('ROLLBACK_NO_FILE', `cannot roll back version ${version}: no migration file has this version`, {
                    hint: 'restore the file (from git) and roll back by hand, or restore the backup',
                }),
            };
        }
        let loaded;
        try {
            [loaded] = loadMigrations([file]);
        }
        catch (err) {
            return { version, reason: 'unparsable', error: err, displayPath: file.displayPath };
        }
        if (await isEmptySection(loaded.parsed.down)) {
            return {
                version,
                reason: 'no-down',
                error: new errors_MigrationError('ROLLBACK_NO_DOWN', `cannot roll back ${file.displayPath}: its down section is empty, so the rollback stopped here`, {
                    hint: 'an empty down section would only delete the ledger row and leave the change in place; ' +
                        'undo this migration by hand (or restore the backup), or give the file a real down section',
                }),
                displayPath: file.displayPath,
            };
        }
        return loaded;
    }
    /**
     * `baseline VERSION`: record every file up to VERSION's (dbmate's order) as applied without
     * running its SQL, for a database whose schema already exists. Versions the ledger already has
     * are left as they are (and reported). Refused, with nothing recorded, when VERSION is no file's
     * version, when the database has no table at all (that is a job for `up`), or when an object
     * the baselined up sections create (table, column, view, index) is missing. The ledger rows,
     * one `baselined` history row per version, and the tables when missing are written in one
     * transaction under the migration lock; `dryRun` does the checks on a read-only session.
     */
    async baseline(opts) {
        const t0 = Date.now();
        const files = await this.files();
        if (files.length === 0) {
            throw new errors_MigrationError('NO_MIGRATIONS', 'no migration files found', {
                hint: `add a migration with \`db-migrate-action new NAME\` in ${this.cfg.migrationsDirs.join(', ')}`,
            });
        }
        const upTo = files.slice(0, baselineIndex(files, opts.version) + 1);
        const decide = async (conn, ledger, applied) => {
            const todo = upTo.filter((f) => !applied.has(f.version));
            const already = upTo.filter((f) => applied.has(f.version));
            const loaded = loadMigrations(upTo);
            const history = configuredHistory(ledger, this.cfg.historyTable);
            let checked = 0;
            let unchecked = [];
            if (todo.length > 0) {
                if (!(await hasUserTables(conn, ledger, history)))
                    throw emptyDatabaseError(opts.version);
                const expected = await expectedObjects(loaded, new Set(todo.map((f) => f.version)));
                unchecked = expected.unchecked;
                for (const u of unchecked)
                    this.log.warn(`${u.file}: its up section could not be parsed, so the objects it creates were not checked (${u.reason})`);
                const missing = await missingObjects(conn, expected.objects);
                if (missing.length > 0)
                    throw schemaMismatchError(opts.version, missing);
                checked = expected.objects.length;
            }
            for (const f of already)
                this.log.info(`Already applied: ${f.fileName}`);
            return { todo, already, loaded: loaded.filter((m) => !applied.has(m.file.version)), history, checked, unchecked };
        };
        const result = (d, applied, ledgerExists) => {
            const after = makePlan(files, new Set([...applied, ...d.todo.map((f) => f.version)]));
            return {
                command: 'baseline',
                version: opts.version,
                dryRun: !!opts.dryRun,
                baselined: d.todo.map(refOf),
                alreadyApplied: d.already.map(refOf),
                checkedObjects: d.checked,
                unchecked: d.unchecked,
                pending: after.pending.map((f) => f.version),
                pendingFiles: after.pending.map(refOf),
                ...(after.highestApplied !== undefined ? { currentVersion: after.highestApplied } : {}),
                ledgerCreated: !ledgerExists && d.todo.length > 0,
                durationMs: Date.now() - t0,
            };
        };
        if (opts.dryRun) {
            return withReadOnlySession(this.cfg, async (conn, ledger, exists) => {
                const applied = exists ? await readAppliedVersions(conn, ledger) : new Set();
                const d = await decide(conn, ledger, applied);
                for (const f of d.todo)
                    this.log.info(`Would baseline: ${f.fileName}`);
                return result(d, applied, exists);
            }, () => {
                throw new errors_MigrationError('DATABASE_MISSING', `cannot baseline to ${opts.version}: database ${this.cfg.target.database} does not exist`, {
                    hint: 'baseline adopts an existing database: check the URL',
                });
            });
        }
        return this.locked(async (conn, locked) => {
            const { ledger, history } = locked;
            const ledgerExists = await checkLedger(conn, ledger);
            if (history)
                await checkHistory(conn, history);
            const applied = ledgerExists ? await readAppliedVersions(conn, ledger) : new Set();
            const d = await decide(conn, ledger, applied);
            const out = result(d, applied, ledgerExists);
            if (d.todo.length === 0)
                return out;
            await this.recordBaseline(conn, ledger, history, d.loaded);
            for (const f of d.todo)
                this.log.info(`Baselined: ${f.fileName}`);
            if (this.cfg.dumpSchema) {
                const { target, pgDump, schemaFile, cwd, log } = this.cfg;
                Object.assign(out, await writeSchemaAfter(conn, target, ledger, { pgDump, history, schemaFile, cwd, log }, 'the baseline itself was recorded'));
            }
            out.durationMs = Date.now() - t0;
            return out;
        });
    }
    /**
     * The ledger rows and `baselined` history rows of {@link baseline}, with the tables when
     * missing, in one transaction: a failure leaves the database as it was.
     */
    async recordBaseline(conn, ledger, history, todo) {
        await conn.query('BEGIN');
        try {
            const capMs = effectiveCapMs(this.cfg.lockTimeoutMs, this.cfg.lockTimeoutExplicit ?? false, await this.serverLockTimeout(conn));
            if (capMs > 0)
                await conn.query(`SET LOCAL lock_timeout = ${Math.round(capMs)}`);
            // ensureLedger's own fallback for a missing schema cannot run inside a transaction.
            const { rows } = await conn.query('select to_regnamespace($1) is not null as found', [ledger.quotedSchema]);
            if (!rows[0].found) {
                this.log.info(`Creating schema: ${ledger.schema}`);
                await conn.query(`create schema if not exists ${ledger.quotedSchema}`);
            }
            await ensureLedger(conn, ledger, this.log);
            if (history)
                await conn.query(historyDdl(history));
            await conn.query(`insert into ${ledger.quoted} (version) select unnest($1::text[])`, [todo.map((m) => m.file.version)]);
            if (history) {
                const sql = todo.map((m) => historyInsertSql(history, { version: m.file.version, direction: 'up', outcome: 'baselined', fileName: m.file.fileName, checksum: m.parsed.checksum }, this.cfg.ctx));
                await conn.query(sql.join(';\n'));
                this.recordedIn = history;
            }
            await conn.query('COMMIT');
        }
        catch (err) {
            await conn.query('ROLLBACK').catch(() => undefined);
            throw err;
        }
    }
    /**
     * Once the run's outcome is decided (after its health checks and automatic rollback): its
     * status and its one duration, as the caller reported them (the action's `status` and
     * `duration-ms`), on every history row this invocation wrote, so reports show the run as it
     * ended rather than guess from its rows. One UPDATE on a short connection of its own (the
     * command's session is gone by then); nothing when no step ran. Returns the rows updated.
     *
     * @throws the driver's error when the database cannot be reached or the UPDATE fails: the
     *   caller decides that this never changes the outcome
     */
    async recordRunOutcome(outcome) {
        const history = this.recordedIn;
        if (!history)
            return 0;
        const { target, ctx, lockTimeoutMs, connectTimeoutMs } = this.cfg;
        return withConnection(target, (conn) => recordRunOutcome(conn, history, ctx.invocationId, outcome, lockTimeoutMs), { connectTimeoutMs });
    }
    /** `status`: never creates anything. Edited applied files are reported separately (stderr in the CLI). */
    async status() {
        const files = await this.files();
        return withSession(this.cfg, async (conn) => {
            const ledger = await resolveLedgerName(conn, this.cfg.migrationsTable, this.cfg.target.searchPath);
            const plan = makePlan(files, await appliedVersions(conn, ledger));
            const edited = await editedVersions(conn, configuredHistory(ledger, this.cfg.historyTable), plan);
            const entries = plan.files.map(({ file, applied }) => ({
                version: file.version,
                fileName: file.fileName,
                displayPath: file.displayPath,
                applied,
                edited: edited.includes(file.version),
            }));
            const applied = entries.filter((e) => e.applied).length;
            return {
                entries,
                applied,
                pending: entries.length - applied,
                orphans: plan.orphans,
                edited,
                currentVersion: plan.highestApplied,
            };
        }, undefined, { writes: false });
    }
    /**
     * `plan` / dry-run: what `up` would do, with the exact SQL. On a missing database every file
     * is pending and `databaseMissing` says so (a dry run shows what `up` would do after creating it).
     */
    async plan(opts = {}) {
        return this.dryRun(async ({ plan, edited, ledgerExists, databaseMissing }) => {
            if (this.cfg.strict)
                checkStrictOrder(plan);
            const todo = loadMigrations(plan.pending.slice(0, opts.steps ?? plan.pending.length));
            return {
                pending: todo.map(({ file, parsed }) => planned(file, parsed, parsed.up)),
                applied: plan.files.filter((r) => r.applied).length,
                orphans: plan.orphans,
                edited,
                currentVersion: plan.highestApplied,
                ledgerExists,
                databaseMissing,
            };
        });
    }
    /**
     * Dry run of `rollback`: the migrations it would undo (dbmate's order: the last applied files
     * in file-name order, newest first), with their down SQL and transaction mode.
     */
    async planRollback(opts = {}) {
        return this.dryRun(async ({ plan, edited, ledgerExists, databaseMissing }) => {
            const targets = loadMigrations(rollbackTargets(plan, opts.steps ?? 1));
            return {
                targets: await Promise.all(targets.map(async ({ file, parsed }) => ({ ...planned(file, parsed, parsed.down), empty: await isEmptySection(parsed.down) }))),
                applied: plan.files.filter((r) => r.applied).length,
                pending: plan.pending.map(refOf),
                orphans: plan.orphans,
                edited,
                currentVersion: plan.highestApplied,
                ledgerExists,
                databaseMissing,
            };
        });
    }
    /**
     * What the lint judges a run by (lint/sizes.ts): the server's major version and the size of each
     * named existing table (`schema.name`, or a bare name resolved through the URL's search_path),
     * read on a short read-only session: one version read and one catalog query. Tables not found are
     * absent from `sizes`. A missing database (`up` would create it: every table is new) gives
     * `{ serverMajor: 0, sizes: empty }`; any other failure to connect rejects, as `plan` does.
     */
    async tableFacts(tables) {
        // A look-up beside the command's own session, which already said what there is to say about
        // the server (a standby's lag, a slow pooler probe): its warnings go to debug.
        const log = this.cfg.log;
        const quiet = { ...this.cfg, log: { info: (m) => log.info(m), warn: (m) => log.debug(m), debug: (m) => log.debug(m) } };
        return withReadOnlySession(quiet, (conn) => tableFactsOn(conn, tables, this.cfg.target.searchPath), () => ({ serverMajor: 0, sizes: new Map() }));
    }
    /** `dump`: write the schema file now; errors are fatal here (unlike the automatic dump). */
    async dump() {
        return withSession(this.cfg, async (conn) => {
            const ledger = await resolveLedgerName(conn, this.cfg.migrationsTable, this.cfg.target.searchPath);
            await ensureLedger(conn, ledger, this.log);
            const { target, pgDump, dumpArgs, historyTable, schemaFile, cwd, log } = this.cfg;
            await writeSchema(conn, target, ledger, { pgDump, extraArgs: dumpArgs, history: configuredHistory(ledger, historyTable), schemaFile, cwd, log });
            return schemaFile;
        });
    }
    // --- the steps the commands share ------------------------------------------------------------
    async files() {
        const files = await findMigrationFiles(this.cfg.migrationsDirs, this.cfg.cwd);
        assertUniqueVersions(files);
        return files;
    }
    /**
     * The skeleton of every dry run: the files, a read-only session, the plan against the live
     * ledger (everything pending when the database or the ledger is missing) and the edited files.
     */
    async dryRun(build) {
        const files = await this.files();
        return withReadOnlySession(this.cfg, async (conn, ledger, exists) => {
            const plan = makePlan(files, exists ? await readAppliedVersions(conn, ledger) : new Set());
            return build({ plan, edited: await editedVersions(conn, configuredHistory(ledger, this.cfg.historyTable), plan), ledgerExists: exists, databaseMissing: false });
        }, () => build({ plan: makePlan(files, new Set()), edited: [], ledgerExists: false, databaseMissing: true }));
    }
    async stepOptions(conn, ledger, history) {
        const capMs = effectiveCapMs(this.cfg.lockTimeoutMs, this.cfg.lockTimeoutExplicit ?? false, await this.serverLockTimeout(conn));
        return {
            ledger,
            history,
            ctx: this.cfg.ctx,
            log: this.log,
            lockTimeoutMs: capMs,
            ...(this.cfg.statementTimeoutMs !== undefined ? { statementTimeoutMs: this.cfg.statementTimeoutMs } : {}),
            lockRetries: this.cfg.lockRetries,
            lockRetryBudgetMs: this.cfg.lockRetryBudgetMs ?? DEFAULT_LOCK_RETRY_BUDGET_MS,
            ...(this.cfg.random ? { random: this.cfg.random } : {}),
            ...(this.cfg.signal ? { signal: this.cfg.signal } : {}),
            secrets: [...(this.cfg.secrets ?? []), ...this.cfg.target.secrets],
        };
    }
    /**
     * The session's own `lock_timeout` (from the role, the database or the URL's options), ms, read
     * once per session and only when the user did not choose `lock-timeout`; 0 when none or unreadable.
     */
    async serverLockTimeout(conn) {
        if (this.cfg.lockTimeoutExplicit)
            return 0;
        const known = this.serverLockTimeouts.get(conn);
        if (known !== undefined)
            return known;
        const ms = await conn
            .query("select setting as ms from pg_settings where name = 'lock_timeout'")
            .then((r) => Number(r.rows[0]?.ms ?? 0) || 0)
            .catch(() => 0);
        this.serverLockTimeouts.set(conn, ms);
        if (ms > 0 && ms < this.cfg.lockTimeoutMs)
            this.log.debug(`the server's lock_timeout (${ms} ms) is shorter than lock-timeout (${this.cfg.lockTimeoutMs} ms): no lock attempt waits longer than the server's`);
        return ms;
    }
    /** {@link settleRun} for a run on `locked`; a held session that was lost is not lent again. */
    async settle(conn, locked, run) {
        const result = await settleRun(conn, this.cfg, { ...run, session: locked.guard });
        if (this.held?.conn === conn && (locked.guard.lostReason || stoppedByLostConnection(run.error)))
            this.held.lost = true;
        return result;
    }
    /** Both tables, each checked before anything is created: another tool's table stops the run with nothing changed. */
    async ensureTables(conn, ledger, history) {
        if (history)
            await checkHistory(conn, history);
        await ensureLedger(conn, ledger, this.log);
        if (history)
            await conn.query(historyDdl(history));
    }
    /**
     * Run migrations in order with dbmate's progress lines; stop at the first failure. `prepare`
     * turns each entry into a file to run, or into the reason to stop before it.
     */
    async runSteps(conn, entries, direction, stepOpts, prepare, show = { rowsAffected: true }) {
        const [doing, done] = direction === 'up' ? ['Applying', 'Applied'] : ['Rolling back', 'Rolled back'];
        const steps = [];
        for (const entry of entries) {
            const m = await prepare(entry);
            if ('reason' in m)
                return { steps, stopped: m };
            if (this.cfg.signal?.aborted) {
                const what = `${direction === 'up' ? 'applying' : 'rolling back'} ${m.file.displayPath}`;
                return { steps, stopped: { version: m.file.version, reason: 'cancelled', error: cancelledError(this.cfg.signal, what), displayPath: m.file.displayPath } };
            }
            this.log.info(`${doing}: ${m.file.fileName}`);
            const r = await runStep(conn, m.file, m.parsed, direction, stepOpts);
            steps.push(r);
            if (stepOpts.history)
                this.recordedIn = stepOpts.history;
            if (r.error)
                return { steps, stopped: { version: m.file.version, reason: r.outcome === 'cancelled' ? 'cancelled' : 'failed', error: r.error, displayPath: m.file.displayPath } };
            if (show.rowsAffected && this.cfg.verbose && r.rowsAffected !== undefined)
                this.log.info(`Rows affected: ${r.rowsAffected}`);
            this.log.info(`${done}: ${m.file.fileName} in ${formatGoDuration(BigInt(Math.round(r.durationMs * 1e6)))}`);
        }
        return { steps };
    }
    /**
     * `up`'s check of applied files edited since they were applied: under `strict` the run is
     * refused (nothing applied yet); otherwise each is warned about. Returns their versions.
     */
    async checkEdited(conn, ledger, plan) {
        const edited = await editedVersions(conn, configuredHistory(ledger, this.cfg.historyTable), plan);
        if (edited.length === 0)
            return edited;
        const paths = edited.map((v) => plan.files.find((r) => r.file.version === v)?.file.displayPath ?? v);
        if (this.cfg.strict) {
            throw new errors_MigrationError('EDITED_MIGRATIONS', `applied migration file${paths.length > 1 ? 's' : ''} edited after ${paths.length > 1 ? 'they were' : 'it was'} applied (checksum differs from the history table): ${paths.join(', ')}; nothing was applied in --strict mode`, { hint: 'restore the applied files as they were (git) and put the change in a new migration, or run without --strict' });
        }
        for (const p of paths)
            this.log.warn(editedWarning(p));
        return edited;
    }
}
/** A dry-run entry for one section of a file. */
function planned(file, parsed, section) {
    return {
        version: file.version,
        fileName: file.fileName,
        displayPath: file.displayPath,
        transaction: section.transaction,
        sql: section.sql,
        checksum: parsed.checksum,
    };
}
/** What `beforeApply` is told about the run it may still stop. */
function applyInfo(command, conn, databaseCreated, plan, searchPath) {
    return {
        command,
        conn,
        databaseCreated,
        tableFacts: (tables) => tableFactsOn(conn, tables, searchPath),
        ...(plan.highestApplied !== undefined ? { currentVersion: plan.highestApplied } : {}),
    };
}
/** The server's major and the named tables' sizes, read on `conn` (see {@link Migrator.tableFacts}). */
async function tableFactsOn(conn, tables, searchPath) {
    return { serverMajor: (await serverVersion(conn)).major, sizes: await readTableSizes(conn, tables, searchPath) };
}
/** `runSteps`' preparation for files loaded beforehand (`up`, `rollback`): nothing left to check. */
async function ready(m) {
    return m;
}

;// CONCATENATED MODULE: ./node_modules/diff/libesm/diff/base.js
class Diff {
    diff(oldStr, newStr, 
    // Type below is not accurate/complete - see above for full possibilities - but it compiles
    options = {}) {
        let callback;
        if (typeof options === 'function') {
            callback = options;
            options = {};
        }
        else if ('callback' in options) {
            callback = options.callback;
        }
        // Allow subclasses to massage the input prior to running
        const oldString = this.castInput(oldStr, options);
        const newString = this.castInput(newStr, options);
        const oldTokens = this.removeEmpty(this.tokenize(oldString, options));
        const newTokens = this.removeEmpty(this.tokenize(newString, options));
        return this.diffWithOptionsObj(oldTokens, newTokens, options, callback);
    }
    diffWithOptionsObj(oldTokens, newTokens, options, callback) {
        var _a;
        const done = (value) => {
            value = this.postProcess(value, options);
            if (callback) {
                setTimeout(function () { callback(value); }, 0);
                return undefined;
            }
            else {
                return value;
            }
        };
        const newLen = newTokens.length, oldLen = oldTokens.length;
        let editLength = 1;
        let maxEditLength = newLen + oldLen;
        if (options.maxEditLength != null) {
            maxEditLength = Math.min(maxEditLength, options.maxEditLength);
        }
        const maxExecutionTime = (_a = options.timeout) !== null && _a !== void 0 ? _a : Infinity;
        const abortAfterTimestamp = Date.now() + maxExecutionTime;
        const bestPath = [{ oldPos: -1, lastComponent: undefined }];
        // Seed editLength = 0, i.e. the content starts with the same values
        let newPos = this.extractCommon(bestPath[0], newTokens, oldTokens, 0, options);
        if (bestPath[0].oldPos + 1 >= oldLen && newPos + 1 >= newLen) {
            // Identity per the equality and tokenizer
            return done(this.buildValues(bestPath[0].lastComponent, newTokens, oldTokens));
        }
        // Once we hit the right edge of the edit graph on some diagonal k, we can
        // definitely reach the end of the edit graph in no more than k edits, so
        // there's no point in considering any moves to diagonal k+1 any more (from
        // which we're guaranteed to need at least k+1 more edits).
        // Similarly, once we've reached the bottom of the edit graph, there's no
        // point considering moves to lower diagonals.
        // We record this fact by setting minDiagonalToConsider and
        // maxDiagonalToConsider to some finite value once we've hit the edge of
        // the edit graph.
        // This optimization is not faithful to the original algorithm presented in
        // Myers's paper, which instead pointlessly extends D-paths off the end of
        // the edit graph - see page 7 of Myers's paper which notes this point
        // explicitly and illustrates it with a diagram. This has major performance
        // implications for some common scenarios. For instance, to compute a diff
        // where the new text simply appends d characters on the end of the
        // original text of length n, the true Myers algorithm will take O(n+d^2)
        // time while this optimization needs only O(n+d) time.
        let minDiagonalToConsider = -Infinity, maxDiagonalToConsider = Infinity;
        // Main worker method. checks all permutations of a given edit length for acceptance.
        const execEditLength = () => {
            for (let diagonalPath = Math.max(minDiagonalToConsider, -editLength); diagonalPath <= Math.min(maxDiagonalToConsider, editLength); diagonalPath += 2) {
                let basePath;
                const removePath = bestPath[diagonalPath - 1], addPath = bestPath[diagonalPath + 1];
                if (removePath) {
                    // No one else is going to attempt to use this value, clear it
                    // @ts-expect-error - perf optimisation. This type-violating value will never be read.
                    bestPath[diagonalPath - 1] = undefined;
                }
                let canAdd = false;
                if (addPath) {
                    // what newPos will be after we do an insertion:
                    const addPathNewPos = addPath.oldPos - diagonalPath;
                    canAdd = addPath && 0 <= addPathNewPos && addPathNewPos < newLen;
                }
                const canRemove = removePath && removePath.oldPos + 1 < oldLen;
                if (!canAdd && !canRemove) {
                    // If this path is a terminal then prune
                    // @ts-expect-error - perf optimisation. This type-violating value will never be read.
                    bestPath[diagonalPath] = undefined;
                    continue;
                }
                // Select the diagonal that we want to branch from. We select the prior
                // path whose position in the old string is the farthest from the origin
                // and does not pass the bounds of the diff graph
                if (!canRemove || (canAdd && removePath.oldPos < addPath.oldPos)) {
                    basePath = this.addToPath(addPath, true, false, 0, options);
                }
                else {
                    basePath = this.addToPath(removePath, false, true, 1, options);
                }
                newPos = this.extractCommon(basePath, newTokens, oldTokens, diagonalPath, options);
                if (basePath.oldPos + 1 >= oldLen && newPos + 1 >= newLen) {
                    // If we have hit the end of both strings, then we are done
                    return done(this.buildValues(basePath.lastComponent, newTokens, oldTokens)) || true;
                }
                else {
                    bestPath[diagonalPath] = basePath;
                    if (basePath.oldPos + 1 >= oldLen) {
                        maxDiagonalToConsider = Math.min(maxDiagonalToConsider, diagonalPath - 1);
                    }
                    if (newPos + 1 >= newLen) {
                        minDiagonalToConsider = Math.max(minDiagonalToConsider, diagonalPath + 1);
                    }
                }
            }
            editLength++;
        };
        // Performs the length of edit iteration. Is a bit fugly as this has to support the
        // sync and async mode which is never fun. Loops over execEditLength until a value
        // is produced, or until the edit length exceeds options.maxEditLength (if given),
        // in which case it will return undefined.
        if (callback) {
            (function exec() {
                setTimeout(function () {
                    if (editLength > maxEditLength || Date.now() > abortAfterTimestamp) {
                        return callback(undefined);
                    }
                    if (!execEditLength()) {
                        exec();
                    }
                }, 0);
            }());
        }
        else {
            while (editLength <= maxEditLength && Date.now() <= abortAfterTimestamp) {
                const ret = execEditLength();
                if (ret) {
                    return ret;
                }
            }
        }
    }
    addToPath(path, added, removed, oldPosInc, options) {
        const last = path.lastComponent;
        if (last && !options.oneChangePerToken && last.added === added && last.removed === removed) {
            return {
                oldPos: path.oldPos + oldPosInc,
                lastComponent: { count: last.count + 1, added: added, removed: removed, previousComponent: last.previousComponent }
            };
        }
        else {
            return {
                oldPos: path.oldPos + oldPosInc,
                lastComponent: { count: 1, added: added, removed: removed, previousComponent: last }
            };
        }
    }
    extractCommon(basePath, newTokens, oldTokens, diagonalPath, options) {
        const newLen = newTokens.length, oldLen = oldTokens.length;
        let oldPos = basePath.oldPos, newPos = oldPos - diagonalPath, commonCount = 0;
        while (newPos + 1 < newLen && oldPos + 1 < oldLen && this.equals(oldTokens[oldPos + 1], newTokens[newPos + 1], options)) {
            newPos++;
            oldPos++;
            commonCount++;
            if (options.oneChangePerToken) {
                basePath.lastComponent = { count: 1, previousComponent: basePath.lastComponent, added: false, removed: false };
            }
        }
        if (commonCount && !options.oneChangePerToken) {
            basePath.lastComponent = { count: commonCount, previousComponent: basePath.lastComponent, added: false, removed: false };
        }
        basePath.oldPos = oldPos;
        return newPos;
    }
    equals(left, right, options) {
        if (options.comparator) {
            return options.comparator(left, right);
        }
        else {
            return left === right
                || (!!options.ignoreCase && left.toLowerCase() === right.toLowerCase());
        }
    }
    removeEmpty(array) {
        const ret = [];
        for (let i = 0; i < array.length; i++) {
            if (array[i]) {
                ret.push(array[i]);
            }
        }
        return ret;
    }
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    castInput(value, options) {
        return value;
    }
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    tokenize(value, options) {
        return Array.from(value);
    }
    join(chars) {
        // Assumes ValueT is string, which is the case for most subclasses.
        // When it's false, e.g. in diffArrays, this method needs to be overridden (e.g. with a no-op)
        // Yes, the casts are verbose and ugly, because this pattern - of having the base class SORT OF
        // assume tokens and values are strings, but not completely - is weird and janky.
        return chars.join('');
    }
    postProcess(changeObjects, 
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    options) {
        return changeObjects;
    }
    get useLongestToken() {
        return false;
    }
    buildValues(lastComponent, newTokens, oldTokens) {
        // First we convert our linked list of components in reverse order to an
        // array in the right order:
        const components = [];
        let nextComponent;
        while (lastComponent) {
            components.push(lastComponent);
            nextComponent = lastComponent.previousComponent;
            delete lastComponent.previousComponent;
            lastComponent = nextComponent;
        }
        components.reverse();
        const componentLen = components.length;
        let componentPos = 0, newPos = 0, oldPos = 0;
        for (; componentPos < componentLen; componentPos++) {
            const component = components[componentPos];
            if (!component.removed) {
                if (!component.added && this.useLongestToken) {
                    let value = newTokens.slice(newPos, newPos + component.count);
                    value = value.map(function (value, i) {
                        const oldValue = oldTokens[oldPos + i];
                        return oldValue.length > value.length ? oldValue : value;
                    });
                    component.value = this.join(value);
                }
                else {
                    component.value = this.join(newTokens.slice(newPos, newPos + component.count));
                }
                newPos += component.count;
                // Common case
                if (!component.added) {
                    oldPos += component.count;
                }
            }
            else {
                component.value = this.join(oldTokens.slice(oldPos, oldPos + component.count));
                oldPos += component.count;
            }
        }
        return components;
    }
}

;// CONCATENATED MODULE: ./node_modules/diff/libesm/diff/array.js

class ArrayDiff extends Diff {
    tokenize(value) {
        return value.slice();
    }
    join(value) {
        return value;
    }
    removeEmpty(value) {
        return value;
    }
}
const arrayDiff = new ArrayDiff();
function diffArrays(oldArr, newArr, options) {
    return arrayDiff.diff(oldArr, newArr, options);
}

;// CONCATENATED MODULE: ./src/safety/diff.ts
/**
 * The line diff shown wherever two schema dumps disagree: `verify` (schema before a migration vs
 * after its down section) and the drift check (committed schema file vs live database).
 */

/**
 * Most changed lines (deletions plus insertions) a diff is computed for. Myers' algorithm costs
 * about D² + (N+M)·D for D changed lines of N and M, so its work grows with the size of the change,
 * not of the dumps; at 2000 it stays near 0.3 s even for two 200 000-line dumps with nothing in
 * common (docs/PERFORMANCE.md). A diff longer than that is no longer read line by line anyway, so
 * beyond it {@link unifiedDiff} says where the dumps differ instead.
 */
const MAX_CHANGED_LINES = 2000;
/**
 * A unified-style line diff (`---`/`+++` headers, `@@` hunks with `context` lines around each
 * change, deletions before insertions within a change), minimal in changed lines (Myers, npm
 * `diff`). When more than `maxChangedLines` lines changed, the headers are followed by one
 * sentence naming the differing region and its first differing lines instead of hunks.
 */
function unifiedDiff(a, b, labels, contextOrOptions = {}) {
    const o = typeof contextOrOptions === 'number' ? { context: contextOrOptions } : contextOrOptions;
    const context = o.context ?? 3;
    const maxChanged = o.maxChangedLines ?? MAX_CHANGED_LINES;
    const lines = (t) => (t.endsWith('\n') ? t.slice(0, -1) : t).split('\n');
    const x = lines(a);
    const y = lines(b);
    // Trimming the common ends first keeps the alignment of the dumps' edges as a reader expects
    // (and as earlier versions showed it), and spares the algorithm the equal lines.
    let pre = 0;
    while (pre < x.length && pre < y.length && x[pre] === y[pre])
        pre++;
    let suf = 0;
    while (suf < x.length - pre && suf < y.length - pre && x[x.length - 1 - suf] === y[y.length - 1 - suf])
        suf++;
    const xs = x.slice(pre, x.length - suf);
    const ys = y.slice(pre, y.length - suf);
    const header = [`--- ${labels.from}`, `+++ ${labels.to}`];
    // One side empty: the change is the other side, whatever its length; no search needed.
    const changes = xs.length === 0 || ys.length === 0
        ? [
            { removed: true, added: false, value: xs },
            { removed: false, added: true, value: ys },
        ]
        : diffArrays(xs, ys, { maxEditLength: maxChanged });
    if (changes === undefined)
        return `${[...header, ...tooManyChanges(x, y, pre, suf, maxChanged)].join('\n')}\n`;
    const ops = [];
    for (let k = 0; k < pre; k++)
        ops.push({ tag: ' ', text: x[k], ai: k, bi: k });
    let i = pre;
    let j = pre;
    // Collected per run of changes, so each run shows its deletions first, whatever order the search found them in.
    let minus = [];
    let plus = [];
    const flush = () => {
        ops.push(...minus, ...plus);
        minus = [];
        plus = [];
    };
    for (const c of changes) {
        for (const text of c.value) {
            if (c.removed)
                minus.push({ tag: '-', text, ai: i++, bi: j });
            else if (c.added)
                plus.push({ tag: '+', text, ai: i, bi: j++ });
            else {
                flush();
                ops.push({ tag: ' ', text, ai: i++, bi: j++ });
            }
        }
    }
    flush();
    for (let k = 0; k < suf; k++)
        ops.push({ tag: ' ', text: x[x.length - suf + k], ai: x.length - suf + k, bi: y.length - suf + k });
    return `${[...header, ...hunks(ops, context)].join('\n')}\n`;
}
/** The fallback: where the dumps start and stop differing, and the first line of each side there. */
function tooManyChanges(x, y, pre, suf, maxChanged) {
    const span = (n, all) => (n === 1 ? `line ${pre + 1}` : `lines ${pre + 1}-${all - suf} (${n} lines)`);
    return [
        `The dumps differ in more than ${maxChanged} lines, too many to list line by line: ` +
            `${span(x.length - pre - suf, x.length)} of the first vs ${span(y.length - pre - suf, y.length)} of the second differ; ` +
            `first difference at line ${pre + 1}:`,
        `-${x[pre]}`,
        `+${y[pre]}`,
    ];
}
function hunks(ops, context) {
    const out = [];
    let k = 0;
    while (k < ops.length) {
        if (ops[k].tag === ' ') {
            k++;
            continue;
        }
        // A hunk: from `context` lines before this change to `context` lines after the last change
        // that is within 2*context lines of the previous one.
        const start = Math.max(0, k - context);
        let end = k;
        let last = k;
        while (end < ops.length) {
            if (ops[end].tag !== ' ')
                last = end;
            else if (end - last > 2 * context)
                break;
            end++;
        }
        end = Math.min(ops.length, last + context + 1);
        const hunk = ops.slice(start, end);
        const aLen = hunk.filter((o) => o.tag !== '+').length;
        const bLen = hunk.filter((o) => o.tag !== '-').length;
        out.push(`@@ -${hunk[0].ai + 1},${aLen} +${hunk[0].bi + 1},${bLen} @@`);
        for (const h of hunk)
            out.push(`${h.tag}${h.text}`);
        k = end;
    }
    return out;
}

;// CONCATENATED MODULE: ./src/safety/verify.ts










/**
 * Round-trip check of the migrations' down sections, on a scratch database that never is the
 * configured one: apply each migration one at a time (dumping the schema after each), roll back
 * one at a time newest first (each rollback must restore the dump taken before that migration),
 * check the schema is the initial one again, re-apply everything and check the final schema equals
 * the first full one. The scratch database verify creates is always dropped, also on failure.
 *
 * The comparison stops at the first bad down (later dumps would differ because of it).
 *
 * Afterwards, every down step that passed is recorded in the configured database's history table
 * (outcome `verified`, direction `down`, the file's sha256 as the engine records it, that step's
 * timing and `cfg.ctx`), all rows in one transaction: reports can then tell which files' down
 * sections were proven. Only when that database and its history table already exist; nothing is
 * recorded when the run throws. A failure to record is a warning, never a verify failure.
 *
 * @param cfg the usual engine configuration; its target names the server (and the scratch
 *   database's name prefix) and receives the proof rows, nothing else. The schema file is never written.
 * @throws MigrationError when the scratch database cannot be created or is not empty, when there are
 *   no migrations, and the migration's own error when an up or down section fails
 */
async function verifyMigrations(cfg, opts = {}) {
    const t0 = Date.now();
    const log = cfg.log;
    // One invocation id for the whole verify, so its proof rows read as one run's.
    cfg = { ...cfg, ctx: { ...cfg.ctx, invocationId: cfg.ctx.invocationId ?? (0,external_node_crypto_.randomUUID)() } };
    const created = opts.scratchUrl === undefined;
    const scratch = created ? withDatabase(cfg.target, scratchName(cfg.target)) : parseDatabaseUrl(opts.scratchUrl);
    if (created)
        await adminQuery(cfg.target, `create database ${esm.escapeIdentifier(scratch.database)}`, { connectTimeoutMs: cfg.connectTimeoutMs });
    log.info(`Verifying on scratch database ${scratch.database}${created ? ' (created; dropped at the end)' : ''}`);
    const proofs = [];
    let result;
    try {
        result = await run(cfg, scratch, created, t0, proofs);
    }
    finally {
        if (created) {
            await adminQuery(cfg.target, `drop database if exists ${esm.escapeIdentifier(scratch.database)}`, { connectTimeoutMs: cfg.connectTimeoutMs }).catch((err) => log.warn(`could not drop the scratch database ${scratch.database}: ${err.message}`));
        }
    }
    return { ...result, historyRecorded: await recordProofs(cfg, scratch, proofs) };
}
/**
 * @param proofs filled with one `verified` history entry per down step that passed, in the order
 *   they ran (newest migration first)
 */
async function run(cfg, scratch, created, t0, proofs) {
    const log = cfg.log;
    // Quiet engine: verify prints its own progress; warnings still pass. Never write schema.sql.
    const quiet = { info: () => undefined, warn: (m) => log.warn(m), debug: (m) => log.debug(m) };
    const migrator = new Migrator({ ...cfg, target: scratch, dumpSchema: false, strict: false, log: quiet });
    const conn = await connect(scratch, { connectTimeoutMs: cfg.connectTimeoutMs });
    try {
        if (!created)
            await assertEmpty(conn, scratch);
        const ledger = await resolveLedgerName(conn, cfg.migrationsTable, scratch.searchPath);
        const history = cfg.historyTable ? historyName(ledger, cfg.historyTable) : undefined;
        // The ledger tables exist in every later dump, so they belong to the baseline too.
        await ensureLedger(conn, ledger, quiet);
        if (history)
            await conn.query(historyDdl(history));
        const dump = () => schemaOnly(conn, scratch, ledger, history, cfg);
        const files = (await migrator.plan()).pending;
        if (files.length === 0) {
            throw new errors_MigrationError('NO_MIGRATIONS', 'no migration files found', {
                hint: `add a migration with \`db-migrate-action new NAME\` in ${cfg.migrationsDirs.join(', ')}`,
            });
        }
        const steps = [];
        const result = (ok, extra = {}) => ({
            ok,
            migrations: files.length,
            scratchDatabase: scratch.database,
            scratchCreated: created,
            ...extra,
            steps,
            durationMs: Date.now() - t0,
        });
        // before[i]: the schema just before files[i] was applied.
        const before = [];
        for (const f of files) {
            before.push(await dump());
            check(await migrator.up({ steps: 1 }), f.version);
            steps.push({ phase: 'up', version: f.version, file: f.displayPath, ok: true });
            log.info(`up      ${f.displayPath}`);
        }
        const full = await dump();
        for (let i = files.length - 1; i >= 0; i--) {
            const f = files[i];
            const down = await migrator.rollback({ steps: 1 });
            const doneAt = Date.now();
            check(down, f.version);
            const now = await dump();
            if (now !== before[i]) {
                const diff = unifiedDiff(before[i], now, { from: `schema before ${f.fileName}`, to: `schema after rolling back ${f.fileName}` });
                steps.push({ phase: 'down', version: f.version, file: f.displayPath, ok: false, diff });
                log.info(`down    ${f.displayPath}: the schema differs from before its up`);
                return result(false, { firstBadDown: { version: f.version, file: f.displayPath, diff } });
            }
            steps.push({ phase: 'down', version: f.version, file: f.displayPath, ok: true });
            // The checksum is the one the engine computed while parsing, the same it records for up and
            // down. A step result has no start time: it is its end (the rollback's return) minus its duration.
            const { durationMs } = down.steps[0];
            proofs.push({ version: f.version, direction: 'down', outcome: 'verified', fileName: f.fileName, checksum: f.checksum, startedAt: new Date(doneAt - durationMs), durationMs });
            log.info(`down    ${f.displayPath}: schema restored`);
        }
        const empty = await dump();
        if (empty !== before[0]) {
            steps.push({ phase: 'empty', ok: false, diff: unifiedDiff(before[0], empty, { from: 'initial schema', to: 'schema after full rollback' }) });
            return result(false);
        }
        steps.push({ phase: 'empty', ok: true });
        log.info('rollback of every migration left the initial schema');
        const again = await migrator.up();
        if (again.error)
            throw again.error;
        const final = await dump();
        if (final !== full) {
            steps.push({ phase: 'reapply', ok: false, diff: unifiedDiff(full, final, { from: 'first full schema', to: 'schema after re-applying' }) });
            log.info('re-applying every migration gave a different schema');
            return result(false);
        }
        steps.push({ phase: 'reapply', ok: true });
        log.info('re-applying every migration gave the same schema');
        return result(true);
    }
    finally {
        await closeQuietly(conn);
    }
}
/**
 * Write the proofs to the configured database's history table, in one transaction. Only into a
 * table that exists: verify never creates anything there (a missing database or table is logged at
 * debug level). Any failure is a warning: the verdict stands without the proof rows.
 *
 * @returns the number of rows written
 */
async function recordProofs(cfg, scratch, proofs) {
    const log = cfg.log;
    const target = cfg.target;
    if (proofs.length === 0)
        return 0;
    if (!cfg.historyTable) {
        log.debug('history table disabled: the verified down sections are not recorded');
        return 0;
    }
    if (scratch.host === target.host && scratch.port === target.port && scratch.database === target.database) {
        log.debug('the scratch database is the configured one: the verified down sections are not recorded');
        return 0;
    }
    const what = `the ${proofs.length} verified down section(s) in the history table of ${target.redacted}`;
    let conn;
    try {
        conn = await connect(target, { connectTimeoutMs: cfg.connectTimeoutMs });
    }
    catch (err) {
        if (err.code === 'DATABASE_MISSING') {
            log.debug(`database ${target.database} does not exist: ${what} are not recorded`);
        }
        else {
            log.warn(`could not record ${what}: ${err.message}`);
        }
        return 0;
    }
    try {
        const ledger = await resolveLedgerName(conn, cfg.migrationsTable, target.searchPath);
        const history = historyName(ledger, cfg.historyTable);
        // checkHistory: a foreign table of that name is refused (a warning below), never written.
        if (!(await checkHistory(conn, history))) {
            log.debug(`${history.quoted} does not exist in ${target.database}: ${what} are not recorded (verify creates no table there)`);
            return 0;
        }
        const inserts = proofs.map((p) => historyInsertSql(history, p, cfg.ctx));
        // One simple-protocol batch, one transaction: all rows or none. lock_timeout so that a table
        // locked by a concurrent schema change is given up on rather than waited for.
        try {
            await conn.query(`BEGIN;SET LOCAL lock_timeout = ${cfg.lockTimeoutMs};\n${inserts.join(';\n')};\nCOMMIT`);
        }
        catch (err) {
            await conn.query('ROLLBACK').catch(() => undefined);
            throw err;
        }
        log.info(`Recorded ${proofs.length} verified down section(s) in ${history.quoted} of ${target.database}`);
        return proofs.length;
    }
    catch (err) {
        const code = err.code;
        // 42703: no invocation_id column; 23514: the outcome check predates `verified`.
        const old = code === '42703' || code === '23514' ? ' (the history table predates the `verified` outcome: any `up` or `rollback` with this version upgrades it)' : '';
        log.warn(`could not record ${what}: ${err.message}${old}`);
        return 0;
    }
    finally {
        await closeQuietly(conn);
    }
}
/** A failed step is an error of the run (a broken up or down section), not a verify finding. */
function check(r, version) {
    if (r.error)
        throw r.error;
    if (r.steps.length !== 1 || r.steps[0].version !== version) {
        throw new errors_MigrationError('VERIFY_UNEXPECTED_STEP', `verify expected to run version ${version}, but the engine ran ${r.steps.map((s) => s.version).join(', ') || 'nothing'}`);
    }
}
/** `<db>_verify_<8 hex>`, within PostgreSQL's 63-byte identifier limit. */
function scratchName(target) {
    const suffix = `_verify_${(0,external_node_crypto_.randomBytes)(4).toString('hex')}`;
    let base = target.database || target.user || 'db';
    while (Buffer.byteLength(base + suffix) > 63)
        base = base.slice(0, -1);
    return base + suffix;
}
/** Run one statement on the server's `postgres` database (never on the configured one). */
async function adminQuery(target, sql, connectOpts = {}) {
    await withConnection(withDatabase(target, 'postgres'), (admin) => admin.query(sql), connectOpts);
}
async function assertEmpty(conn, target) {
    const { rows } = await conn.query("select count(*) as n from pg_catalog.pg_tables where schemaname not in ('pg_catalog', 'information_schema')");
    const n = Number(rows[0].n);
    if (n > 0) {
        throw new errors_MigrationError('VERIFY_SCRATCH_NOT_EMPTY', `the scratch database ${target.redacted} already has ${n} table(s): verify needs an empty database`, {
            hint: 'give an empty database as the scratch URL, or none (verify then creates and drops its own)',
        });
    }
}
const TRAILER = '\n--\n-- Dbmate schema migrations\n--\n';
/** The schema dump without dbmate's schema_migrations trailer (the versions differ by design). */
async function schemaOnly(conn, target, ledger, history, cfg) {
    const text = await dumpSchema(conn, target, ledger, { pgDump: cfg.pgDump, extraArgs: cfg.dumpArgs, history });
    const at = text.lastIndexOf(TRAILER);
    return at >= 0 ? text.slice(0, at + 1) : text;
}
/** The human verdict: one line when everything round-trips, the first bad down with its diff otherwise. */
function verdict(r) {
    if (r.ok) {
        return `Verify OK: ${r.migrations} migration(s) applied, rolled back and re-applied; every down undoes its up\n${recorded(r)}`;
    }
    if (r.firstBadDown) {
        return (`Verify FAILED: the down section of ${r.firstBadDown.file} (version ${r.firstBadDown.version}) does not undo its up.\n` +
            `Schema before its up (-) vs after its down (+):\n${r.firstBadDown.diff}${r.firstBadDown.diff.endsWith('\n') ? '' : '\n'}${recorded(r)}`);
    }
    const bad = r.steps.find((s) => !s.ok);
    const what = bad?.phase === 'empty'
        ? 'after rolling back every migration the schema is not the initial one'
        : 're-applying every migration after the full rollback gave a different schema';
    return `Verify FAILED: ${what}.\n${bad?.diff ?? ''}`;
}
/** Where the proofs went, so `report` can count them; nothing when none were recorded. */
function recorded(r) {
    return r.historyRecorded > 0 ? `Recorded ${r.historyRecorded} verified down section(s) in the history table\n` : '';
}

;// CONCATENATED MODULE: ./src/cli/commands/verify.ts

/**
 * `db-migrate-action verify`: round-trip every migration on a scratch database (see
 * {@link verifyMigrations}) and print the verdict; `--json` prints the result instead.
 *
 * @returns 0 when every down undoes its up and re-applying gives the same schema, 1 when not;
 *   errors (connection, a failing up or down section) are thrown (the CLI exits 2)
 */
async function verifyCommand({ opts, config, out }) {
    // The config's run context labels the proofs verify records in the target's history table.
    const r = await verifyMigrations(config);
    if (opts.json) {
        out(`${JSON.stringify(r, null, 2)}\n`);
    }
    else {
        out(verdict(r));
    }
    return r.ok ? 0 : 1;
}

;// CONCATENATED MODULE: ./src/engine/wait.ts



/**
 * dbmate's `wait`: ping until the server answers. A missing database counts as up, because
 * `up` will create it. `onWaiting` is called once before the first retry and `onTick` per retry,
 * so the CLI can print dbmate's `Waiting for database...` line. `connectTimeoutMs` bounds each
 * attempt, so a server that accepts TCP and never answers cannot stall the wait past its timeout.
 */
async function waitForDatabase(target, opts) {
    // Like dbmate: one try, then `timeout / interval` more, a dot before each, so the output
    // does not depend on how long each connection attempt took.
    const ping = async () => {
        try {
            await closeQuietly(await connect(target, { connectTimeoutMs: opts.connectTimeoutMs }));
            return undefined;
        }
        catch (err) {
            // A missing database means the server is up: `up` will create it.
            return err.code === 'DATABASE_MISSING' ? undefined : err;
        }
    };
    let err = await ping();
    if (err === undefined)
        return;
    opts.onWaiting?.();
    for (let waited = 0; waited < opts.timeoutMs; waited += opts.intervalMs) {
        opts.onTick?.();
        await sleep(opts.intervalMs);
        err = await ping();
        if (err === undefined) {
            opts.onDone?.();
            return;
        }
    }
    opts.onDone?.();
    throw new errors_MigrationError('WAIT_TIMEOUT', `unable to connect to database: ${err.message}`, {
        hint: 'check that the server is running and reachable, or raise --wait-timeout',
        cause: err,
    });
}

;// CONCATENATED MODULE: ./src/cli/commands/wait.ts


/**
 * Wait until the database answers, printing dbmate's `Waiting for database` and one `.` per
 * attempt; for `--wait` before any command as well as for `wait` itself.
 *
 * @throws dbmate's `unable to connect to database: …` when `--wait-timeout` passes
 */
async function waitForTarget(opts, target, out) {
    await waitForDatabase(target, {
        timeoutMs: opts.waitTimeoutMs,
        intervalMs: opts.waitIntervalMs,
        connectTimeoutMs: connectTimeoutMs(opts, target),
        onWaiting: () => out('Waiting for database'),
        onTick: () => out('.'),
        onDone: () => out('\n'),
    });
}
/** `wait`: wait for the database (see {@link waitForTarget}) and do nothing else. */
async function waitCommand({ opts, target, out }) {
    await waitForTarget(opts, target, out);
    return 0;
}

;// CONCATENATED MODULE: ./src/cli/commands/registry.ts














// Typed over every command name, so a command added to the flag table without a function here
// does not compile.
const OFFLINE = { new: newCommand, lint: lintCommand };
const DATABASE = {
    up: upCommand,
    migrate: upCommand,
    rollback: rollbackCommand,
    plan: planCommand,
    status: statusCommand,
    create: createCommand,
    drop: dropCommand,
    dump: dumpCommand,
    load: loadCommand,
    wait: waitCommand,
    history: historyCommand,
    report: reportCommand,
    verify: verifyCommand,
    baseline: baselineCommand,
};
/** The command if it needs no database (`new`, `lint`): those run before a URL is required. */
function offlineCommand(name) {
    return Object.hasOwn(OFFLINE, name) ? OFFLINE[name] : undefined;
}
/**
 * The command that runs against the database.
 *
 * @throws {MigrationError} `UNKNOWN_COMMAND` for a name with no such command
 */
function databaseCommand(name) {
    if (Object.hasOwn(DATABASE, name))
        return DATABASE[name];
    throw new errors_MigrationError('UNKNOWN_COMMAND', `unknown command ${name}`);
}

;// CONCATENATED MODULE: ./src/cli/main.ts
















/**
 * Run the CLI and return its exit code (dbmate's: 0 ok, 2 error, 1 for `status --exit-code`
 * with pending migrations, 3 for an unreadable env file or unknown command, 141 when the reader
 * of stdout or stderr went away, as the shell reports dbmate killed by SIGPIPE).
 */
async function main_main(argv, processEnv, io) {
    const output = watchClosedOutput();
    const code = await main_run(argv, processEnv, io, output);
    // A failed write is reported on the next tick (the stream's 'error' event): let the last one land.
    await new Promise((r) => setImmediate(r));
    return output.closed ? CLOSED_OUTPUT_EXIT_CODE : code;
}
async function main_run(argv, processEnv, io, output) {
    const secrets = [];
    // Once the reader has gone, every further write would fail the same way: skip them, as dbmate's death would.
    const out = (s) => void (output.closed || io.stdout(redact(s, secrets)));
    const err = (s) => void (output.closed || io.stderr(redact(s, secrets)));
    const line = readCommandLine(argv, processEnv, io.cwd, out, err, argvWantsJson(argv));
    if (typeof line === 'number')
        return line;
    const { opts, env } = line;
    // In --json mode stdout carries only the JSON document; progress lines go to stderr.
    const log = {
        info: (m) => (opts.json ? err(`${m}\n`) : out(`${m}\n`)),
        warn: (m) => err(`Warning: ${m}\n`),
        debug: () => undefined,
    };
    const base = { opts, env, io, out, log };
    try {
        const offline = offlineCommand(opts.command);
        if (offline)
            return await offline(base);
        const url = resolveDatabaseUrl(opts, env);
        if (url === '')
            throw missingUrlError(opts, env);
        const target = parseDatabaseUrl(url, { driver: opts.driver });
        secrets.push(...target.secrets);
        const config = { ...migratorConfig(opts, target, env, io.cwd, log), ...(io.signal ? { signal: io.signal } : {}) };
        const ctx = { ...base, target, config, migrator: new Migrator(config) };
        if (opts.wait && opts.command !== 'wait')
            await waitForTarget(opts, target, out);
        return await databaseCommand(opts.command)(ctx);
    }
    catch (e) {
        if (opts.json && !isReportedInDocument(e))
            out(jsonErrorDocument(jsonError(e)));
        err(formatError(e));
        return 2;
    }
}
/** Env files, then the command line; help, version and usage errors are printed here and end the run. */
function readCommandLine(argv, processEnv, cwd, out, err, json) {
    try {
        const fileEnv = loadEnvFiles(envFilesFromArgv(argv), (p) => {
            const abs = (0,external_node_path_.join)(cwd, p);
            return (0,external_node_fs_.existsSync)(abs) ? (0,external_node_fs_.readFileSync)(abs, 'utf8') : undefined;
        });
        const env = mergeEnv(processEnv, fileEnv);
        const parsed = parseArgs(argv, env, { version: VERSION, name: 'db-migrate-action' });
        if ('help' in parsed) {
            out(parsed.help);
            return 0;
        }
        if ('version' in parsed) {
            out(`${parsed.version}\n`);
            return 0;
        }
        return { opts: parsed, env };
    }
    catch (e) {
        if (e instanceof CliUsageError) {
            const f = formatUsageError(e);
            // Under --json stdout is the error document, not dbmate's `Incorrect Usage:` and help.
            out(json ? jsonErrorDocument({ code: 'USAGE', message: e.message, hint: e.hint ?? null }) : f.stdout);
            err(f.stderr);
            return f.exitCode;
        }
        if (e instanceof EnvFileError) {
            if (json)
                out(jsonErrorDocument({ code: 'ENV_FILE', message: e.message, hint: null }));
            err(`Error: ${e.message}\n`);
            return e.exitCode;
        }
        throw e;
    }
}
/** `Error: <message>` as dbmate prints it, then our details and hint on following lines. */
function formatError(e) {
    if (e instanceof SqlMigrationError)
        return `Error: ${e.describe()}\n`;
    if (e instanceof errors_MigrationError)
        return `Error: ${e.message}\n${e.hint ? `  hint: ${e.hint}\n` : ''}`;
    const m = e;
    return `Error: ${m?.message ?? String(e)}${m?.code && !m.message?.includes(m.code) ? ` (${m.code})` : ''}\n`;
}


/***/ }),

/***/ 5751:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   Wr: () => (/* binding */ exitSoonIfLingering),
/* harmony export */   YN: () => (/* binding */ LAST_RESORT_MS),
/* harmony export */   cf: () => (/* binding */ signalExitCode),
/* harmony export */   dJ: () => (/* binding */ cancelOnSignals)
/* harmony export */ });
/**
 * A CI job that is cancelled gets SIGINT, then SIGTERM 7.5 s later, then SIGKILL 2.5 s after
 * that (GitHub Actions' runner). Node's default is to die at the first signal, which leaves no
 * record and lets the migration in flight commit unseen. Both entries (the action and the CLI)
 * turn the first SIGINT or SIGTERM into an abort instead, and the engine winds down within the
 * grace period: see `docs/RELIABILITY.md`.
 */
/** Exit code of a process stopped by `name`, as a shell reports it (128 + the signal's number). */
function signalExitCode(name) {
    return name === 'SIGTERM' ? 143 : 130;
}
/**
 * Abort the returned signal at the first SIGINT or SIGTERM, and tell `onSignal` about each one
 * (a second one means the kill is near). `lastResortMs` after the first, `lastResort` runs: the
 * run should have ended long before; this is the exit that beats the SIGKILL.
 */
function cancelOnSignals(opts = {}) {
    const controller = new AbortController();
    let timer;
    const handler = (name) => {
        const first = !controller.signal.aborted;
        opts.onSignal?.(name, first);
        if (!first)
            return;
        controller.abort(name);
        if (opts.lastResort) {
            timer = setTimeout(() => opts.lastResort(name), opts.lastResortMs ?? LAST_RESORT_MS);
            timer.unref();
        }
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
    return {
        signal: controller.signal,
        dispose: () => {
            process.off('SIGINT', handler);
            process.off('SIGTERM', handler);
            if (timer)
                clearTimeout(timer);
        },
    };
}
/**
 * Once the run has ended and said so, nothing may keep the process alive: a connection still
 * being opened over a dead network would hold it for its whole connect timeout. The timer is
 * unref'd, so it fires only when something else lingers.
 */
function exitSoonIfLingering(code, graceMs = LINGER_MS) {
    setTimeout(() => process.exit(code), graceMs).unref();
}
const LINGER_MS = 1_000;
/** 9 s: after GitHub's SIGTERM (7.5 s), before its SIGKILL (10 s). */
const LAST_RESORT_MS = 9_000;


/***/ }),

/***/ 6282:
/***/ ((__unused_webpack_module, __unused_webpack___webpack_exports__, __nccwpck_require__) => {


;// CONCATENATED MODULE: external "node:url"
const external_node_url_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:url");
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __nccwpck_require__(6760);
;// CONCATENATED MODULE: ./src/runtime-shim.ts
/**
 * Imported first by every bundled entry. The bundle is ESM, but libpg-query's emscripten loader
 * is CommonJS and finds its .wasm through `__dirname`, which ESM does not define. The build
 * copies the .wasm next to each bundle, so the bundle's own directory is the right answer.
 */


const g = globalThis;
g.__filename ??= (0,external_node_url_namespaceObject.fileURLToPath)(import.meta.url);
g.__dirname ??= (0,external_node_path_.dirname)(g.__filename);
// node-postgres decides whether it runs on Cloudflare by probing `navigator`, and, where Node
// has none (Node 20), by constructing a `Response`, which loads all of undici: ~20 ms of every
// cold start. Node 21+ defines `navigator` itself; giving Node 20 the same answer skips the probe.
const nav = globalThis;
if (typeof nav.navigator === 'undefined') {
    Object.defineProperty(globalThis, 'navigator', {
        value: { userAgent: `Node.js/${process.versions.node.split('.')[0]}` },
        configurable: true,
        writable: true,
    });
}


/***/ }),

/***/ 4390:
/***/ ((module) => {

module.exports = eval("require")("pg-native");


/***/ }),

/***/ 6982:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("crypto");

/***/ }),

/***/ 2250:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("dns");

/***/ }),

/***/ 4434:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("events");

/***/ }),

/***/ 9896:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("fs");

/***/ }),

/***/ 9278:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("net");

/***/ }),

/***/ 7598:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:crypto");

/***/ }),

/***/ 3024:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs");

/***/ }),

/***/ 6760:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:path");

/***/ }),

/***/ 857:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("os");

/***/ }),

/***/ 6928:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("path");

/***/ }),

/***/ 2203:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("stream");

/***/ }),

/***/ 3193:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("string_decoder");

/***/ }),

/***/ 4756:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("tls");

/***/ }),

/***/ 9023:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("util");

/***/ }),

/***/ 8253:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("util/types");

/***/ })

/******/ });
/************************************************************************/
/******/ // The module cache
/******/ var __webpack_module_cache__ = {};
/******/ 
/******/ // The require function
/******/ function __nccwpck_require__(moduleId) {
/******/ 	// Check if module is in cache
/******/ 	var cachedModule = __webpack_module_cache__[moduleId];
/******/ 	if (cachedModule !== undefined) {
/******/ 		return cachedModule.exports;
/******/ 	}
/******/ 	// Create a new module (and put it into the cache)
/******/ 	var module = __webpack_module_cache__[moduleId] = {
/******/ 		// no module.id needed
/******/ 		// no module.loaded needed
/******/ 		exports: {}
/******/ 	};
/******/ 
/******/ 	// Execute the module function
/******/ 	var threw = true;
/******/ 	try {
/******/ 		__webpack_modules__[moduleId].call(module.exports, module, module.exports, __nccwpck_require__);
/******/ 		threw = false;
/******/ 	} finally {
/******/ 		if(threw) delete __webpack_module_cache__[moduleId];
/******/ 	}
/******/ 
/******/ 	// Return the exports of the module
/******/ 	return module.exports;
/******/ }
/******/ 
/******/ // expose the modules object (__webpack_modules__)
/******/ __nccwpck_require__.m = __webpack_modules__;
/******/ 
/************************************************************************/
/******/ /* webpack/runtime/async module */
/******/ (() => {
/******/ 	var webpackQueues = typeof Symbol === "function" ? Symbol("webpack queues") : "__webpack_queues__";
/******/ 	var webpackExports = typeof Symbol === "function" ? Symbol("webpack exports") : "__webpack_exports__";
/******/ 	var webpackError = typeof Symbol === "function" ? Symbol("webpack error") : "__webpack_error__";
/******/ 	var resolveQueue = (queue) => {
/******/ 		if(queue && queue.d < 1) {
/******/ 			queue.d = 1;
/******/ 			queue.forEach((fn) => (fn.r--));
/******/ 			queue.forEach((fn) => (fn.r-- ? fn.r++ : fn()));
/******/ 		}
/******/ 	}
/******/ 	var wrapDeps = (deps) => (deps.map((dep) => {
/******/ 		if(dep !== null && typeof dep === "object") {
/******/ 			if(dep[webpackQueues]) return dep;
/******/ 			if(dep.then) {
/******/ 				var queue = [];
/******/ 				queue.d = 0;
/******/ 				dep.then((r) => {
/******/ 					obj[webpackExports] = r;
/******/ 					resolveQueue(queue);
/******/ 				}, (e) => {
/******/ 					obj[webpackError] = e;
/******/ 					resolveQueue(queue);
/******/ 				});
/******/ 				var obj = {};
/******/ 				obj[webpackQueues] = (fn) => (fn(queue));
/******/ 				return obj;
/******/ 			}
/******/ 		}
/******/ 		var ret = {};
/******/ 		ret[webpackQueues] = x => {};
/******/ 		ret[webpackExports] = dep;
/******/ 		return ret;
/******/ 	}));
/******/ 	__nccwpck_require__.a = (module, body, hasAwait) => {
/******/ 		var queue;
/******/ 		hasAwait && ((queue = []).d = -1);
/******/ 		var depQueues = new Set();
/******/ 		var exports = module.exports;
/******/ 		var currentDeps;
/******/ 		var outerResolve;
/******/ 		var reject;
/******/ 		var promise = new Promise((resolve, rej) => {
/******/ 			reject = rej;
/******/ 			outerResolve = resolve;
/******/ 		});
/******/ 		promise[webpackExports] = exports;
/******/ 		promise[webpackQueues] = (fn) => (queue && fn(queue), depQueues.forEach(fn), promise["catch"](x => {}));
/******/ 		module.exports = promise;
/******/ 		body((deps) => {
/******/ 			currentDeps = wrapDeps(deps);
/******/ 			var fn;
/******/ 			var getResult = () => (currentDeps.map((d) => {
/******/ 				if(d[webpackError]) throw d[webpackError];
/******/ 				return d[webpackExports];
/******/ 			}))
/******/ 			var promise = new Promise((resolve) => {
/******/ 				fn = () => (resolve(getResult));
/******/ 				fn.r = 0;
/******/ 				var fnQueue = (q) => (q !== queue && !depQueues.has(q) && (depQueues.add(q), q && !q.d && (fn.r++, q.push(fn))));
/******/ 				currentDeps.map((dep) => (dep[webpackQueues](fnQueue)));
/******/ 			});
/******/ 			return fn.r ? promise : getResult();
/******/ 		}, (err) => ((err ? reject(promise[webpackError] = err) : outerResolve(exports)), resolveQueue(queue)));
/******/ 		queue && queue.d < 0 && (queue.d = 0);
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/compat get default export */
/******/ (() => {
/******/ 	// getDefaultExport function for compatibility with non-harmony modules
/******/ 	__nccwpck_require__.n = (module) => {
/******/ 		var getter = module && module.__esModule ?
/******/ 			() => (module['default']) :
/******/ 			() => (module);
/******/ 		__nccwpck_require__.d(getter, { a: getter });
/******/ 		return getter;
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/create fake namespace object */
/******/ (() => {
/******/ 	var getProto = Object.getPrototypeOf ? (obj) => (Object.getPrototypeOf(obj)) : (obj) => (obj.__proto__);
/******/ 	var leafPrototypes;
/******/ 	// create a fake namespace object
/******/ 	// mode & 1: value is a module id, require it
/******/ 	// mode & 2: merge all properties of value into the ns
/******/ 	// mode & 4: return value when already ns object
/******/ 	// mode & 16: return value when it's Promise-like
/******/ 	// mode & 8|1: behave like require
/******/ 	__nccwpck_require__.t = function(value, mode) {
/******/ 		if(mode & 1) value = this(value);
/******/ 		if(mode & 8) return value;
/******/ 		if(typeof value === 'object' && value) {
/******/ 			if((mode & 4) && value.__esModule) return value;
/******/ 			if((mode & 16) && typeof value.then === 'function') return value;
/******/ 		}
/******/ 		var ns = Object.create(null);
/******/ 		__nccwpck_require__.r(ns);
/******/ 		var def = {};
/******/ 		leafPrototypes = leafPrototypes || [null, getProto({}), getProto([]), getProto(getProto)];
/******/ 		for(var current = mode & 2 && value; typeof current == 'object' && !~leafPrototypes.indexOf(current); current = getProto(current)) {
/******/ 			Object.getOwnPropertyNames(current).forEach((key) => (def[key] = () => (value[key])));
/******/ 		}
/******/ 		def['default'] = () => (value);
/******/ 		__nccwpck_require__.d(ns, def);
/******/ 		return ns;
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/define property getters */
/******/ (() => {
/******/ 	// define getter functions for harmony exports
/******/ 	__nccwpck_require__.d = (exports, definition) => {
/******/ 		for(var key in definition) {
/******/ 			if(__nccwpck_require__.o(definition, key) && !__nccwpck_require__.o(exports, key)) {
/******/ 				Object.defineProperty(exports, key, { enumerable: true, get: definition[key] });
/******/ 			}
/******/ 		}
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/ensure chunk */
/******/ (() => {
/******/ 	__nccwpck_require__.f = {};
/******/ 	// This file contains only the entry chunk.
/******/ 	// The chunk loading function for additional chunks
/******/ 	__nccwpck_require__.e = (chunkId) => {
/******/ 		return Promise.all(Object.keys(__nccwpck_require__.f).reduce((promises, key) => {
/******/ 			__nccwpck_require__.f[key](chunkId, promises);
/******/ 			return promises;
/******/ 		}, []));
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/get javascript chunk filename */
/******/ (() => {
/******/ 	// This function allow to reference async chunks
/******/ 	__nccwpck_require__.u = (chunkId) => {
/******/ 		// return url for filenames based on template
/******/ 		return "" + chunkId + ".index.js";
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/hasOwnProperty shorthand */
/******/ (() => {
/******/ 	__nccwpck_require__.o = (obj, prop) => (Object.prototype.hasOwnProperty.call(obj, prop))
/******/ })();
/******/ 
/******/ /* webpack/runtime/make namespace object */
/******/ (() => {
/******/ 	// define __esModule on exports
/******/ 	__nccwpck_require__.r = (exports) => {
/******/ 		if(typeof Symbol !== 'undefined' && Symbol.toStringTag) {
/******/ 			Object.defineProperty(exports, Symbol.toStringTag, { value: 'Module' });
/******/ 		}
/******/ 		Object.defineProperty(exports, '__esModule', { value: true });
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/compat */
/******/ 
/******/ if (typeof __nccwpck_require__ !== 'undefined') __nccwpck_require__.ab = new URL('.', import.meta.url).pathname.slice(import.meta.url.match(/^file:\/\/\/\w:/) ? 1 : 0, -1) + "/";
/******/ 
/******/ /* webpack/runtime/import chunk loading */
/******/ (() => {
/******/ 	// no baseURI
/******/ 	
/******/ 	// object to store loaded and loading chunks
/******/ 	// undefined = chunk not loaded, null = chunk preloaded/prefetched
/******/ 	// [resolve, Promise] = chunk loading, 0 = chunk loaded
/******/ 	var installedChunks = {
/******/ 		792: 0
/******/ 	};
/******/ 	
/******/ 	var installChunk = (data) => {
/******/ 		var {ids, modules, runtime} = data;
/******/ 		// add "modules" to the modules object,
/******/ 		// then flag all "ids" as loaded and fire callback
/******/ 		var moduleId, chunkId, i = 0;
/******/ 		for(moduleId in modules) {
/******/ 			if(__nccwpck_require__.o(modules, moduleId)) {
/******/ 				__nccwpck_require__.m[moduleId] = modules[moduleId];
/******/ 			}
/******/ 		}
/******/ 		if(runtime) runtime(__nccwpck_require__);
/******/ 		for(;i < ids.length; i++) {
/******/ 			chunkId = ids[i];
/******/ 			if(__nccwpck_require__.o(installedChunks, chunkId) && installedChunks[chunkId]) {
/******/ 				installedChunks[chunkId][0]();
/******/ 			}
/******/ 			installedChunks[ids[i]] = 0;
/******/ 		}
/******/ 	
/******/ 	}
/******/ 	
/******/ 	__nccwpck_require__.f.j = (chunkId, promises) => {
/******/ 			// import() chunk loading for javascript
/******/ 			var installedChunkData = __nccwpck_require__.o(installedChunks, chunkId) ? installedChunks[chunkId] : undefined;
/******/ 			if(installedChunkData !== 0) { // 0 means "already installed".
/******/ 	
/******/ 				// a Promise means "currently loading".
/******/ 				if(installedChunkData) {
/******/ 					promises.push(installedChunkData[1]);
/******/ 				} else {
/******/ 					if(true) { // all chunks have JS
/******/ 						// setup Promise in chunk cache
/******/ 						var promise = import("./" + __nccwpck_require__.u(chunkId)).then(installChunk, (e) => {
/******/ 							if(installedChunks[chunkId] !== 0) installedChunks[chunkId] = undefined;
/******/ 							throw e;
/******/ 						});
/******/ 						var promise = Promise.race([promise, new Promise((resolve) => (installedChunkData = installedChunks[chunkId] = [resolve]))])
/******/ 						promises.push(installedChunkData[1] = promise);
/******/ 					}
/******/ 				}
/******/ 			}
/******/ 	};
/******/ 	
/******/ 	// no prefetching
/******/ 	
/******/ 	// no preloaded
/******/ 	
/******/ 	// no external install chunk
/******/ 	
/******/ 	// no on chunks loaded
/******/ })();
/******/ 
/************************************************************************/
/******/ 
/******/ // startup
/******/ // Load entry module and return exports
/******/ // This entry module used 'module' so it can't be inlined
/******/ var __webpack_exports__ = __nccwpck_require__(486);
/******/ __webpack_exports__ = await __webpack_exports__;
/******/ 
