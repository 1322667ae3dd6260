# shellcheck shell=bash
#
# Private apt configuration for vtopo's scripts (sourced, not executed).
#
# The Debian archive we may use is whatever this machine's apt already points
# at: the mirror is read from the system's own sources, never hard-coded.
# From it we build a private apt state (under VTOPO_CACHE) that knows
# trixie's source packages, so `apt-get source` can fetch and verify the
# pinned QEMU tarball without touching the host's package lists.

VTOPO_CACHE=${VTOPO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vtopo}
VTOPO_KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

# Print the URI of the main Debian archive configured on this machine.
vtopo_debian_uri() {
    local f uri
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -r "$f" ] || continue
        # deb822 stanzas: take the URIs of the stanza whose Suites name a
        # plain release (not -security) and whose URI is not a security one.
        uri=$(awk '
            /^[[:space:]]*$/ { if (u != "" && s ~ /(bookworm|trixie|stable)( |$)/ && u !~ /security/) { print u; exit } u = ""; s = ""; next }
            /^URIs:/   { u = $2 }
            /^Suites:/ { $1 = ""; s = $0 }
            END { if (u != "" && s ~ /(bookworm|trixie|stable)( |$)/ && u !~ /security/) print u }
        ' "$f" | head -n1)
        if [ -n "$uri" ]; then
            echo "${uri%/}"
            return 0
        fi
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -r "$f" ] || continue
        uri=$(awk '$1 == "deb" && $0 !~ /security/ && $0 ~ / (bookworm|trixie|stable) / {
                     for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' "$f")
        if [ -n "$uri" ]; then
            echo "${uri%/}"
            return 0
        fi
    done
    echo "error: cannot find a Debian archive URI in /etc/apt/sources.list*;" \
         "configure apt for Debian first" >&2
    return 1
}

# A private apt state under $VTOPO_CACHE/NAME whose sources are the lines
# on stdin: sets VTOPO_APT_OPTS (then `apt-get "${VTOPO_APT_OPTS[@]}" ...`).
# Extra apt options follow NAME.
vtopo_apt_state() {
    local root="$VTOPO_CACHE/$1"
    shift
    mkdir -p "$root/lists/partial" "$root/archives/partial" "$root/etc/preferences.d" \
             "$root/etc/sources.list.d"
    cat > "$root/etc/sources.list"
    VTOPO_APT_OPTS=(
        -o "Dir::Etc::SourceList=$root/etc/sources.list"
        -o "Dir::Etc::SourceParts=$root/etc/sources.list.d"
        -o "Dir::Etc::PreferencesParts=$root/etc/preferences.d"
        -o "Dir::State::Lists=$root/lists"
        -o "Dir::Cache=$root"
        -o "Dir::Cache::archives=$root/archives"
        -o "APT::Sandbox::User=root"
        "$@"
    )
}

# The private state with the deb-src of Debian SUITE only (for `apt-get
# source`; trixie if not given, with its updates).
vtopo_apt_private_setup() {
    local uri suite=${1:-trixie} name=apt updates=""
    uri=$(vtopo_debian_uri) || return 1
    [ "$suite" = trixie ] || name=apt-$suite
    case "$suite" in
    sid|unstable) ;;    # no -updates suite
    *) updates="deb-src [signed-by=$VTOPO_KEYRING] $uri $suite-updates main" ;;
    esac
    vtopo_apt_state "$name" -o "Dir::State::status=/var/lib/dpkg/status" <<SRC
deb-src [signed-by=$VTOPO_KEYRING] $uri $suite main
$updates
SRC
}

# A private state NAME with the binary packages of Debian SUITE for
# ARCH (for `apt-get download` of guest pieces): the host's own apt,
# amd64 and bookworm, stays as it is.
vtopo_apt_binary_setup() {
    local name=$1 arch=$2 suite=$3 uri
    uri=$(vtopo_debian_uri) || return 1
    vtopo_apt_state "$name" -o "Dir::State::status=/dev/null" \
        -o "APT::Architecture=$arch" -o "APT::Architectures::=$arch" <<SRC
deb [arch=$arch signed-by=$VTOPO_KEYRING] $uri $suite main
SRC
}
