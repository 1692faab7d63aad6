# Helpers for the registry suites (sourced; running it alone does nothing).
# Debian's docker-registry on 127.0.0.1 with TLS from a CA made here, images
# pushed in with skopeo from OCI layouts built by registry_mkoci.py.
REG_DEBS=/tmp/tug-registry-debs
PY=/usr/bin/python3

free_port() {
	$PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# reg_ca DIR NAME: a CA (NAME-ca.crt/key) and a server cert for 127.0.0.1/localhost.
reg_ca() {
	_d=$1
	_n=$2
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj "/CN=tug test CA $_n" -keyout "$_d/$_n-ca.key" -out "$_d/$_n-ca.crt" \
		2>/dev/null || return 1
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-subj "/CN=127.0.0.1" -keyout "$_d/$_n-server.key" -out "$_d/$_n-server.csr" \
		2>/dev/null || return 1
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' \
		>"$_d/$_n-ext.cnf"
	openssl x509 -req -in "$_d/$_n-server.csr" -CA "$_d/$_n-ca.crt" -CAkey "$_d/$_n-ca.key" \
		-CAcreateserial -days 2 -extfile "$_d/$_n-ext.cnf" -out "$_d/$_n-server.crt" \
		2>/dev/null
}

# reg_setup: work dir, CA, isolated tug state; sets WORK, REG_PORT.
reg_setup() {
	WORK=$(tmpdir)
	mkdir -p "$WORK/certs.d" "$WORK/storage"
	reg_ca "$WORK" test || return 1
	REG_PORT=$(free_port)
	export TUG_STATE_DIR="$WORK/state" TUG_CERTS_DIR="$WORK/certs.d"
	export TUG_AUTH_FILE="$WORK/auths.json" TUG_REGISTRIES_CONF="$WORK/registries.json"
	REG="127.0.0.1:$REG_PORT"
	mkdir -p "$WORK/certs.d/$REG"
	cp "$WORK/test-ca.crt" "$WORK/certs.d/$REG/ca.crt"
	REG_PIDS=""
	# Replaces lib.sh's trap: stop the servers, then remove the temp dirs as it would.
	trap 'for p in $REG_PIDS; do kill "$p" 2>/dev/null; done; tug_cleanup_tmp' EXIT
}

# wait_port PORT: until something listens (10 s).
wait_port() {
	for _i in $(seq 100); do
		$PY -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),1)" \
			2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# reg_start [AUTH_YAML]: docker-registry on $REG with TLS (and the auth section given).
reg_start() {
	cat >"$WORK/config.yml" <<EOC
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $WORK/storage
  delete:
    enabled: true
http:
  addr: $REG
  tls:
    certificate: $WORK/test-server.crt
    key: $WORK/test-server.key
${1:-}
EOC
	/usr/bin/docker-registry serve "$WORK/config.yml" >"$WORK/registry.log" 2>&1 &
	REG_PIDS="$REG_PIDS $!"
	wait_port "$REG_PORT"
}

# reg_start_token: docker-registry on $REG (reg_start) with token auth from
# registry_tokenserver.py on $TPORT (user alice, password s3cret; the
# tokens it gives are logged in $WORK/token.log). Returns 1 with the reason
# in REG_WHY when a server does not start.
reg_start_token() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=tug token signer" \
		-keyout "$WORK/token.key" -out "$WORK/token.crt" 2>/dev/null
	TPORT=$(free_port)
	$PY "$TESTS_DIR/integration/registry_tokenserver.py" "$TPORT" "$WORK/token.key" \
		"$WORK/token.crt" tug-registry tug-issuer alice s3cret "$WORK/token.log" \
		2>"$WORK/tokenserver.err" &
	REG_PIDS="$REG_PIDS $!"
	wait_port "$TPORT" ||
		{ REG_WHY="token server did not start: $(tail -2 "$WORK/tokenserver.err")"; return 1; }
	reg_start "auth:
  token:
    realm: http://127.0.0.1:$TPORT/token
    service: tug-registry
    issuer: tug-issuer
    rootcertbundle: $WORK/token.crt" || { REG_WHY="registry did not start"; return 1; }
}

# reg_rootfs ARCH DIR: busybox rootfs for amd64 (host), arm64 or armhf (Debian packages).
reg_rootfs() {
	_arch=$1
	_dir=$2
	busybox_rootfs "$_dir"
	[ "$_arch" = amd64 ] && return 0
	mkdir -p "$REG_DEBS" "$WORK/deb-$_arch"
	if ! ls "$REG_DEBS"/busybox-static_*_"$_arch".deb >/dev/null 2>&1; then
		(cd "$REG_DEBS" && apt-get download "busybox-static:$_arch" >/dev/null 2>&1) ||
			return 1
	fi
	dpkg-deb -x "$(ls "$REG_DEBS"/busybox-static_*_"$_arch".deb | head -1)" "$WORK/deb-$_arch" &&
		cp "$WORK/deb-$_arch/bin/busybox" "$_dir/bin/busybox"
}

# reg_skopeo_push LAYOUT TAG REPO:TAG [skopeo args]: copy an OCI layout tag into $REG.
reg_skopeo_push() {
	_l=$1
	_t=$2
	_dst=$3
	shift 3
	skopeo copy --all --dest-cert-dir "$WORK/certs.d/$REG" "$@" "oci:$_l:$_t" \
		"docker://$REG/$_dst" >"$WORK/skopeo.log" 2>&1
}

# refs_tag NAME: the manifest digest the store's tag points at ("" if none).
refs_tag() {
	$PY -c 'import json,sys
try: print(json.load(open(sys.argv[1]))["tags"].get(sys.argv[2], ""))
except FileNotFoundError: print("")' "$TUG_STATE_DIR/refs.json" "$1"
}

# reg_start_http: a second docker-registry without TLS on $HREG (plain HTTP).
reg_start_http() {
	HPORT=$(free_port)
	HREG="127.0.0.1:$HPORT"
	mkdir -p "$WORK/hstorage"
	cat >"$WORK/hconfig.yml" <<EOC
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $WORK/hstorage
http:
  addr: $HREG
EOC
	/usr/bin/docker-registry serve "$WORK/hconfig.yml" >"$WORK/hregistry.log" 2>&1 &
	REG_PIDS="$REG_PIDS $!"
	wait_port "$HPORT"
}

# notls_tug: tug built with CONFIG_CRYPTO_BUILTIN (no mbedtls) and the
# registry client, in build/notls (reusing the host sysroot); prints its path.
notls_tug() {
	_top=$(cd "$(dirname "$TUG")/../.." && pwd)
	_s="$_top/build/qemu-x86_64/sysroot"
	_o="$_top/build/notls"
	[ -d "$_s/lib" ] || return 1
	mkdir -p "$_o"
	if [ ! -f "$_o/.config" ]; then
		sed 's/^CONFIG_TLS_MBEDTLS=y/# CONFIG_TLS_MBEDTLS is not set/;
			s/^# CONFIG_CRYPTO_BUILTIN is not set/CONFIG_CRYPTO_BUILTIN=y/' \
			"$_top/build/qemu-x86_64/.config" >"$_o/.config" || return 1
	fi
	make -C "$_top" --no-print-directory O=build/notls TUG_EXTERNAL_SYSROOT="$_s" \
		PKG_CONFIG="PKG_CONFIG_LIBDIR=$_s/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR= pkg-config" \
		DEPS_STAMP= >"$WORK/notls-build.log" 2>&1 || return 1
	echo "$_o/tug"
}
