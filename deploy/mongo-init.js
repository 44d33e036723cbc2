// Initiate the single-node replica set rs0 once, then wait until this node is primary.
// Run by the one-shot `mongo-init` compose service with mongosh; safe to run on every
// `docker compose up`, because an already-initiated set is left as it is.
//
// The member host must be the name the services use (mongo:27017): drivers connecting with
// ?replicaSet=rs0 switch to the hosts listed in the set's config.

const host = process.env.MONGO_RS_HOST || "mongo:27017";

function initiated() {
  try {
    rs.status();
    return true;
  } catch (e) {
    // 94 NotYetInitialized is the only answer meaning "do it now"; anything else is real.
    if (e.code === 94 || e.codeName === "NotYetInitialized") return false;
    throw e;
  }
}

if (initiated()) {
  print(`replica set already initiated: ${JSON.stringify(rs.conf().members.map((m) => m.host))}`);
} else {
  print(`initiating replica set rs0 with member ${host}`);
  try {
    rs.initiate({ _id: "rs0", members: [{ _id: 0, host: host }] });
  } catch (e) {
    // 23 AlreadyInitialized: a concurrent run got there first, which is fine.
    if (!(e.code === 23 || e.codeName === "AlreadyInitialized")) throw e;
  }
}

// Election takes a few seconds; services should not start against a secondary.
const deadline = Date.now() + 60 * 1000;
while (!db.hello().isWritablePrimary) {
  if (Date.now() > deadline) {
    print("timed out waiting for this node to become primary");
    quit(1);
  }
  sleep(500);
}
print("replica set rs0 is ready (primary)");
