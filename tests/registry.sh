# Registries for the md-pull tests: Debian's docker-registry on 127.0.0.1,
# with TLS from a CA made here, plain HTTP, htpasswd Basic auth, or token
# auth through tests/tools/tokenserver.py. Sourced after lib.sh; REG is the
# directory holding certificates, configs and logs. Every server started
# here is stopped, by pid, when the test file exits.
REG=$T_WORK/reg
mkdir -p "$REG"
REG_PIDS=""
at_exit reg_stop_all

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# reg_certs: ca.crt, srv.crt (127.0.0.1 + localhost), wrong.crt (another
# name), expired.crt, and a token signing key/cert.
reg_certs() {
	cd "$REG" || return 1
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt \
		-days 2 -subj "/CN=md test CA" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign" 2>/dev/null || return 1
	for c in srv:IP:127.0.0.1,DNS:localhost wrong:DNS:wrong.example expired:IP:127.0.0.1; do
		n=${c%%:*}
		openssl req -newkey rsa:2048 -nodes -keyout $n.key -out $n.csr \
			-subj "/CN=$n" 2>/dev/null || return 1
		printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
			"${c#*:}" >$n.ext
		days=2
		[ $n = expired ] && days=-1	# expired yesterday
		openssl x509 -req -in $n.csr -CA ca.crt -CAkey ca.key \
			-CAcreateserial -out $n.crt -days $days -extfile $n.ext \
			2>/dev/null || return 1
	done
	openssl req -x509 -newkey rsa:2048 -nodes -keyout token.key \
		-out token.crt -days 2 -subj "/CN=md test token issuer" 2>/dev/null
	cd - >/dev/null
}

# reg_certs2: another CA (ca2.crt) that the test CA knows nothing of, and
# its srv2.crt for 127.0.0.1, for a registry the test CA does not vouch for.
reg_certs2() {
	cd "$REG" || return 1
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca2.key -out ca2.crt \
		-days 2 -subj "/CN=md test CA 2" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign" 2>/dev/null &&
	openssl req -newkey rsa:2048 -nodes -keyout srv2.key -out srv2.csr \
		-subj "/CN=srv2" 2>/dev/null &&
	printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >srv2.ext &&
	openssl x509 -req -in srv2.csr -CA ca2.crt -CAkey ca2.key \
		-CAcreateserial -out srv2.crt -days 2 -extfile srv2.ext 2>/dev/null
	rc=$?
	cd - >/dev/null
	return $rc
}

# reg_start NAME MODE [CERT]: MODE is tls, plain, basic (TLS + htpasswd
# user md / password "s3cret pass") or token (TLS + the token server).
# Sets REG_NAME_PORT.
reg_start() {
	name=$1 mode=$2 cert=${3:-srv} port=$(free_port)
	cfg=$REG/$name.yml
	mkdir -p "$REG/data-$name"
	{
		echo "version: 0.1"
		echo "log: {level: error}"
		echo "storage: {filesystem: {rootdirectory: $REG/data-$name}, delete: {enabled: true}}"
		echo "http:"
		echo "  addr: 127.0.0.1:$port"
		[ $mode != plain ] && echo "  tls: {certificate: $REG/$cert.crt, key: $REG/$cert.key}"
		case $mode in
		basic)
			htpasswd -Bbc "$REG/htpasswd" md 's3cret pass' 2>/dev/null
			echo "auth: {htpasswd: {realm: md-test, path: $REG/htpasswd}}" ;;
		token)
			echo "auth: {token: {realm: https://127.0.0.1:$TOKEN_PORT/token, service: md-test, issuer: md-test-issuer, rootcertbundle: $REG/token.crt}}" ;;
		esac
	} >"$cfg"
	docker-registry serve "$cfg" >"$REG/$name.log" 2>&1 &
	REG_PIDS="$REG_PIDS $!"
	eval "REG_${name}_PORT=$port"
	reg_wait $port
}

reg_wait() {	# until something listens on the port
	i=0
	while ! python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),1)" 2>/dev/null; do
		i=$((i + 1)); [ $i -gt 100 ] && return 1
		sleep 0.1
	done
}

# token_start: the Bearer token service (TLS, srv cert) for mode token.
token_start() {
	TOKEN_PORT=$(free_port)
	python3 "$TOP/tests/tools/tokenserver.py" $TOKEN_PORT "$REG" \
		>"$REG/tokensrv.log" 2>&1 &
	REG_PIDS="$REG_PIDS $!"
	reg_wait $TOKEN_PORT
}

reg_stop_all() {
	for p in $REG_PIDS; do kill $p 2>/dev/null; done
	for p in $REG_PIDS; do wait $p 2>/dev/null; done
	REG_PIDS=""
}

# reg_push SRC HOST:PORT/REPO:TAG [skopeo options]: pushes with skopeo.
reg_push() {
	src=$1 dst=$2; shift 2
	skopeo copy -q --dest-tls-verify=false "$@" "$src" "docker://$dst" >/dev/null
}

# md_ini LINES...: writes md.ini for this test and points MD_CONFIG at it.
md_ini() {
	printf '%s\n' "$@" >"$MD_ROOT.ini"
	export MD_CONFIG="$MD_ROOT.ini"
}
