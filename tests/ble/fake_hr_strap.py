"""Turn a stock python-dbusmock `bluez5` mock into a fake BLE heart-rate strap.

Provenance: copied from /work/shared/ble/fake_hr_strap.py (the tested recipe in
shared/ble/README.md). Changes for vagal, all additive: an optional Device Information
service (0x180A: manufacturer 0x2A29, model 0x2A24, firmware 0x2A26), an optional
battery service (battery=None leaves it out), configurable advertised UUIDs, and
`set_powered()` on the adapter, `fail_notify()`; and BlueZ's `org.bluez.Error.InProgress`
for a scan or a connect started while one is under way (see "One at a time" below), with
`connect_ms` to make a connect take time and `in_progress_refusals()` to count the refusals.
Nothing else in the recipe changed.

One at a time: bluetoothd keeps one discovery session per D-Bus client and answers a
second StartDiscovery from the same client with InProgress (BlueZ src/adapter.c,
start_discovery: "every client can only start one discovery"); bleak's scanners in one
event loop share one D-Bus connection, so within one vagal process a scan started while
another runs is refused. The stand-in refuses any StartDiscovery while Discovering is set
(its only clients are the test's vagal). A connect started while another device's connect
is still being set up (Connect called, services not yet resolved) is refused the same way,
which is how a controller that creates one LE connection at a time answers through BlueZ.

Everything goes over D-Bus (dbus-python) to the mock process, using only
dbusmock's generic Mock API (AddAdapter/AddDevice from the bluez5 template,
plus AddObject / AddMethod / UpdateProperties / EmitSignal).  Code strings
passed to AddMethod run *inside* the mock process (globals: dbus, objects).

Object layout mirrors real bluetoothd, which bleak relies on
(handles are parsed from the last 4 hex digits of the object path):

  /org/bluez/hci0                                   org.bluez.Adapter1
  /org/bluez/hci0/dev_XX                            org.bluez.Device1
  /org/bluez/hci0/dev_XX/service000c                org.bluez.GattService1   0x180D
  /org/bluez/hci0/dev_XX/service000c/char000d       org.bluez.GattCharacteristic1 0x2A37 [notify]
  /org/bluez/hci0/dev_XX/service000c/char000d/desc000f  org.bluez.GattDescriptor1 0x2902
  /org/bluez/hci0/dev_XX/service000c/char0010       org.bluez.GattCharacteristic1 0x2A38 [read]
  /org/bluez/hci0/dev_XX/service0012                org.bluez.GattService1   0x180F
  /org/bluez/hci0/dev_XX/service0012/char0013       org.bluez.GattCharacteristic1 0x2A19 [read]

Behaviour added on top of the stock template: the strap "advertises" (RSSI
PropertiesChanged) every adv_interval_ms while the adapter is discovering and
the strap is not connected; Connect/Disconnect drive Connected and
ServicesResolved; StartNotify/StopNotify drive Notifying; push_hr() delivers a
notification as PropertiesChanged(Value), exactly how bluetoothd does it.
"""

import dbus

BUS_NAME = "org.bluez"
MOCK = "org.freedesktop.DBus.Mock"
OM = "org.freedesktop.DBus.ObjectManager"
ADAPTER = "org.bluez.Adapter1"
DEVICE = "org.bluez.Device1"
SERVICE = "org.bluez.GattService1"
CHAR = "org.bluez.GattCharacteristic1"
DESC = "org.bluez.GattDescriptor1"
# private interface for test-only controls on the characteristic
FAKE = "org.vagal.FakeStrap"


def uuid16(short: int) -> str:
    return f"{short:08x}-0000-1000-8000-00805f9b34fb"


HR_SERVICE = uuid16(0x180D)
HR_MEASUREMENT = uuid16(0x2A37)
BODY_SENSOR_LOCATION = uuid16(0x2A38)
BATTERY_SERVICE = uuid16(0x180F)
BATTERY_LEVEL = uuid16(0x2A19)
CCCD = uuid16(0x2902)
DEVICE_INFORMATION = uuid16(0x180A)
MANUFACTURER_NAME = uuid16(0x2A29)
MODEL_NUMBER = uuid16(0x2A24)
FIRMWARE_REVISION = uuid16(0x2A26)

# --- code strings executed inside the mock (see dbusmock AddMethod docs) ---

# Adapter1.StartDiscovery: besides flipping Discovering, re-announce every
# known advertising device at once (bleak only reports devices whose
# advertisement properties change *after* the scan started).
START_DISCOVERY = """
if self.props['org.bluez.Adapter1'].get('Discovering'):
    self.in_progress = getattr(self, 'in_progress', 0) + 1
    raise dbus.exceptions.DBusException('Operation already in progress', name='org.bluez.Error.InProgress')
self.props['org.bluez.Adapter1']['Discovering'] = dbus.Boolean(True)
self.EmitSignal('org.freedesktop.DBus.Properties', 'PropertiesChanged', 'sa{sv}as',
                ['org.bluez.Adapter1', {'Discovering': dbus.Boolean(True)}, []])
for p in sorted(objects):
    o = objects[p]
    if p.startswith(self.path + '/dev_') and p.count('/') == 4 and hasattr(o, 'advertise_once'):
        o.advertise_once()
"""

# Per device: a GLib timer in the mock's main loop (dbusmock iterates the
# default GLib context) that "advertises" every adv_interval_ms while the
# adapter is discovering and the device is not connected, as a real strap
# does.  An advertisement = PropertiesChanged(RSSI) with a little jitter.
ADVERTISER = """
import ctypes
def _advertise_once(dev=self):
    if getattr(dev, 'connected', False) or not getattr(dev, 'advertising', True):
        return
    dev.adv_count = getattr(dev, 'adv_count', 0) + 1
    rssi = dev.adv_rssi + (dev.adv_count % 3) - 1   # BlueZ only signals *changes*
    dev.UpdateProperties('org.bluez.Device1', {'RSSI': dbus.Int16(rssi)})
def _tick(_data, dev=self, adapter=str(self.props['org.bluez.Device1']['Adapter'])):
    try:
        a = objects.get(adapter)
        if a is not None and a.props['org.bluez.Adapter1'].get('Discovering'):
            dev.advertise_once()
    except Exception as e:
        dev.log('advertiser tick failed: %r' % (e,))
    return 1  # G_SOURCE_CONTINUE
self.advertise_once = _advertise_once
self._adv_cb = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p)(_tick)  # keep a reference
ctypes.CDLL('libglib-2.0.so.0').g_timeout_add(ctypes.c_uint(self.adv_interval_ms), self._adv_cb, None)
"""

# Device1.Connect: BlueZ flips Connected, then ServicesResolved once GATT
# discovery is done; bleak's connect() waits for ServicesResolved == True.
CONNECT = """
if getattr(self, 'connected', False):
    raise dbus.exceptions.DBusException('Already Connected', name='org.bluez.Error.AlreadyConnected')
if getattr(self, 'fail_connect', ''):
    raise dbus.exceptions.DBusException(self.fail_connect, name='org.bluez.Error.Failed')
_adapter = objects[str(self.props['org.bluez.Device1']['Adapter'])]
if getattr(_adapter, 'connecting', None) not in (None, self.path):
    _adapter.in_progress = getattr(_adapter, 'in_progress', 0) + 1
    raise dbus.exceptions.DBusException('Operation already in progress', name='org.bluez.Error.InProgress')
self.connected = True
self.UpdateProperties('org.bluez.Device1', {'Connected': dbus.Boolean(True)})
if getattr(self, 'connect_ms', 0):
    _adapter.connecting = self.path  # services resolve later: the connect is under way until then
    self.resolve_later()
else:
    self.UpdateProperties('org.bluez.Device1', {'ServicesResolved': dbus.Boolean(True)})
"""

# Per device: a one-shot GLib timer that ends a slow connect (connect_ms): services resolved,
# and the adapter free for the next connect.
RESOLVER = """
import ctypes
def _resolve(_data, dev=self, adapter=str(self.props['org.bluez.Device1']['Adapter'])):
    try:
        a = objects.get(adapter)
        if a is not None and getattr(a, 'connecting', None) == dev.path:
            a.connecting = None
        if getattr(dev, 'connected', False):
            dev.UpdateProperties('org.bluez.Device1', {'ServicesResolved': dbus.Boolean(True)})
    except Exception as e:
        dev.log('resolve failed: %r' % (e,))
    return 0  # G_SOURCE_REMOVE
self._resolve_cb = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p)(_resolve)  # keep a reference
def _resolve_later(dev=self, ctypes=ctypes):  # exec's locals are not a closure: bound here
    ctypes.CDLL('libglib-2.0.so.0').g_timeout_add(ctypes.c_uint(dev.connect_ms), dev._resolve_cb, None)
self.resolve_later = _resolve_later
"""

DISCONNECT = """
if not getattr(self, 'connected', False):
    raise dbus.exceptions.DBusException('Not Connected', name='org.bluez.Error.NotConnected')
self.connected = False
_adapter = objects[str(self.props['org.bluez.Device1']['Adapter'])]
if getattr(_adapter, 'connecting', None) == self.path:
    _adapter.connecting = None
for p in sorted(objects):
    if p.startswith(self.path + '/') and 'org.bluez.GattCharacteristic1' in objects[p].props:
        c = objects[p]
        if c.props['org.bluez.GattCharacteristic1'].get('Notifying'):
            c.UpdateProperties('org.bluez.GattCharacteristic1', {'Notifying': dbus.Boolean(False)})
self.UpdateProperties('org.bluez.Device1', {'ServicesResolved': dbus.Boolean(False), 'Connected': dbus.Boolean(False)})
"""

_REQUIRE_CONNECTED = """
_dev = objects[self.props['org.bluez.GattCharacteristic1']['Service'].rsplit('/', 1)[0]]
if not getattr(_dev, 'connected', False):
    raise dbus.exceptions.DBusException('Not connected', name='org.bluez.Error.Failed')
"""

START_NOTIFY = _REQUIRE_CONNECTED + """
self.UpdateProperties('org.bluez.GattCharacteristic1', {'Notifying': dbus.Boolean(True)})
"""

STOP_NOTIFY = """
self.UpdateProperties('org.bluez.GattCharacteristic1', {'Notifying': dbus.Boolean(False)})
"""

READ_VALUE = _REQUIRE_CONNECTED + """
ret = self.props['org.bluez.GattCharacteristic1']['Value']
"""

# test-only: deliver one notification, like bluetoothd does, as a
# PropertiesChanged(Value) on the characteristic -- only while notifying.
PUSH = """
if not self.props['org.bluez.GattCharacteristic1'].get('Notifying'):
    raise dbus.exceptions.DBusException('notifications not enabled', name='org.vagal.FakeStrap.NotNotifying')
self.UpdateProperties('org.bluez.GattCharacteristic1', {'Value': dbus.Array(args[0], signature='y')})
"""


class FakeHrStrap:
    """Handle on a fake HR strap living inside a bluez5 dbusmock process."""

    def __init__(self, bus: dbus.Bus, adapter: str = "hci0",
                 address: str = "C0:FF:EE:00:00:01", name: str = "Polar H10 0A1B2C3D",
                 rssi: int = -58, battery: int | None = 87, adv_interval_ms: int = 100,
                 device_info: dict[str, str] | None = None, hr_service: bool = True,
                 connect_ms: int = 0):
        self.bus = bus
        self.address = address
        root = bus.get_object(BUS_NAME, "/")
        self.root_mock = dbus.Interface(root, MOCK)
        self.bluez_mock = dbus.Interface(root, "org.bluez.Mock")

        adapter_path = f"/org/bluez/{adapter}"
        if not any(str(p) == adapter_path for p in
                   dbus.Interface(root, OM).GetManagedObjects()):
            self.bluez_mock.AddAdapter(adapter, "vagal-ci")
        self.adapter_path = adapter_path
        self._mock(adapter_path).AddMethod(ADAPTER, "StartDiscovery", "", "", START_DISCOVERY)
        self._mock(adapter_path).AddMethod(FAKE, "InProgressRefusals", "", "i",
                                           "ret = getattr(self, 'in_progress', 0)")

        self.path = str(self.bluez_mock.AddDevice(adapter, address, name))
        dev = self._mock(self.path)
        # The bluez5 template types ManufacturerData/ServiceData as arrays
        # ("aa{qv}"/"aa{sv}"); bleak expects dicts -> fix the types first.
        dev.UpdateProperties(DEVICE, {
            "AddressType": dbus.String("random"),
            "Icon": dbus.String(""),
            "Class": dbus.UInt32(0),
            "Appearance": dbus.UInt16(0x0341),  # Heart Rate Sensor: Heart Rate Belt
            "UUIDs": dbus.Array(([HR_SERVICE] if hr_service else []) + ([BATTERY_SERVICE] if battery is not None else []),
                                signature="s"),
            "ManufacturerData": dbus.Dictionary(
                {dbus.UInt16(0x006B): dbus.Array([0x00], signature="y")}, signature="qv"),  # 0x006B = Polar
            "ServiceData": dbus.Dictionary({}, signature="sv"),
            "RSSI": dbus.Int16(rssi),
        })
        dev.AddMethod(DEVICE, "Connect", "", "", CONNECT)
        dev.AddMethod(DEVICE, "Disconnect", "", "", DISCONNECT)
        self._exec(self.path, f"self.advertising = True; self.adv_rssi = {int(rssi)}; "
                              f"self.adv_interval_ms = {int(adv_interval_ms)}")
        self._exec(self.path, ADVERTISER)
        self._exec(self.path, f"self.connect_ms = {int(connect_ms)}")
        self._exec(self.path, RESOLVER)

        if hr_service:
            self.hr_service = self._add_service(0x000C, HR_SERVICE)
            self.hr_char = self._add_char(self.hr_service, 0x000D, HR_MEASUREMENT, ["notify"])
            self._add_desc(self.hr_char, 0x000F, CCCD)
            self.bsl_char = self._add_char(self.hr_service, 0x0010, BODY_SENSOR_LOCATION, ["read"], [0x01])  # chest
        if battery is not None:
            self.bat_service = self._add_service(0x0012, BATTERY_SERVICE)
            self.bat_char = self._add_char(self.bat_service, 0x0013, BATTERY_LEVEL, ["read"], [battery])
        if device_info:
            dis = self._add_service(0x0020, DEVICE_INFORMATION)
            for handle, key, uuid in ((0x0021, "manufacturer", MANUFACTURER_NAME),
                                      (0x0023, "model", MODEL_NUMBER),
                                      (0x0025, "firmware", FIRMWARE_REVISION)):
                if key in device_info:
                    self._add_char(dis, handle, uuid, ["read"], list(device_info[key].encode()))

    # -- helpers ----------------------------------------------------------
    def _mock(self, path):
        return dbus.Interface(self.bus.get_object(BUS_NAME, path), MOCK)

    def _exec(self, path, code):
        """Run a one-off code string inside the mock process on object `path`."""
        m = self._mock(path)
        m.AddMethod(FAKE, "_Exec", "", "", code)
        dbus.Interface(self.bus.get_object(BUS_NAME, path), FAKE)._Exec()

    def _announce(self, path, iface, props):
        self.root_mock.EmitSignal(OM, "InterfacesAdded", "oa{sa{sv}}", [
            dbus.ObjectPath(path),
            dbus.Dictionary({iface: dbus.Dictionary(props, signature="sv")}, signature="sa{sv}")])

    def _add_service(self, handle, uuid):
        path = f"{self.path}/service{handle:04x}"
        props = {"UUID": dbus.String(uuid), "Primary": dbus.Boolean(True),
                 "Device": dbus.ObjectPath(self.path),
                 "Includes": dbus.Array([], signature="o"), "Handle": dbus.UInt16(handle)}
        self.root_mock.AddObject(path, SERVICE, props, [])
        self._announce(path, SERVICE, props)
        return path

    def _add_char(self, service, handle, uuid, flags, value=()):
        path = f"{service}/char{handle:04x}"
        props = {"UUID": dbus.String(uuid), "Service": dbus.ObjectPath(service),
                 "Value": dbus.Array(list(value), signature="y"),
                 "Notifying": dbus.Boolean(False),
                 "Flags": dbus.Array(flags, signature="s"),
                 "Handle": dbus.UInt16(handle), "MTU": dbus.UInt16(247)}
        self.root_mock.AddObject(path, CHAR, props, [
            ("ReadValue", "a{sv}", "ay", READ_VALUE),
            ("WriteValue", "aya{sv}", "", ""),
            ("StartNotify", "", "", START_NOTIFY),
            ("StopNotify", "", "", STOP_NOTIFY),
        ])
        self._mock(path).AddMethod(FAKE, "Push", "ay", "", PUSH)
        self._announce(path, CHAR, props)
        return path

    def _add_desc(self, char, handle, uuid):
        path = f"{char}/desc{handle:04x}"
        props = {"UUID": dbus.String(uuid), "Characteristic": dbus.ObjectPath(char),
                 "Value": dbus.Array([], signature="y"), "Flags": dbus.Array([], signature="s"),
                 "Handle": dbus.UInt16(handle)}
        self.root_mock.AddObject(path, DESC, props, [
            ("ReadValue", "a{sv}", "ay", "ret = dbus.Array([0, 0], signature='y')"),
            ("WriteValue", "aya{sv}", "", ""),
        ])
        self._announce(path, DESC, props)
        return path

    # -- test controls ----------------------------------------------------
    def push_hr(self, payload: bytes) -> None:
        """Send one 0x2A37 notification (raises if the app has not subscribed)."""
        dbus.Interface(self.bus.get_object(BUS_NAME, self.hr_char), FAKE).Push(
            dbus.Array(list(payload), signature="y"))

    def is_notifying(self) -> bool:
        props = dbus.Interface(self.bus.get_object(BUS_NAME, self.hr_char),
                               "org.freedesktop.DBus.Properties")
        return bool(props.Get(CHAR, "Notifying"))

    def set_powered(self, on: bool) -> None:
        """Switch the adapter on or off (bleak reports POWERED_OFF when none is on)."""
        self._mock(self.adapter_path).UpdateProperties(ADAPTER, {"Powered": dbus.Boolean(on)})

    def set_advertising(self, on: bool) -> None:
        """Strap visible to scans (True, default) or silent (False)."""
        self._exec(self.path, f"self.advertising = {bool(on)}")

    def fail_connect(self, reason: str | None) -> None:
        """Make Device1.Connect fail with org.bluez.Error.Failed(reason); None = heal."""
        self._exec(self.path, f"self.fail_connect = {reason or ''!r}")

    def fail_notify(self, reason: str | None) -> None:
        """Make StartNotify on 0x2A37 fail with org.bluez.Error.NotPermitted(reason); None = heal."""
        code = (f"raise dbus.exceptions.DBusException({reason!r}, name='org.bluez.Error.NotPermitted')"
                if reason else START_NOTIFY)
        self._mock(self.hr_char).AddMethod(CHAR, "StartNotify", "", "", code)

    def in_progress_refusals(self) -> int:
        """How many scans and connects the adapter refused with org.bluez.Error.InProgress."""
        return int(dbus.Interface(self.bus.get_object(BUS_NAME, self.adapter_path), FAKE).InProgressRefusals())

    def drop_link(self) -> None:
        """Simulate the strap going out of range (supervision timeout)."""
        self._exec(self.path, DISCONNECT)

    def calls(self, path=None):
        """dbusmock call log of an object (default: the device)."""
        return [(str(c[1]), list(c[2])) for c in self._mock(path or self.path).GetCalls()]


def hr_payload(bpm: int, rr_1024: list[int] = ()) -> bytes:
    """Build a Heart Rate Measurement value (uint8 HR, optional RR intervals)."""
    flags = 0x10 if rr_1024 else 0x00
    out = bytes([flags, bpm])
    for rr in rr_1024:
        out += int(rr).to_bytes(2, "little")
    return out
