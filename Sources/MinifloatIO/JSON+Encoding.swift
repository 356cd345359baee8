extension JSON {
    /// `value` as a JSON value, objects keeping their keys in the order `value`'s `encode(to:)`
    /// writes them (Foundation's `JSONEncoder` sorts or scrambles them). Integers of every width
    /// become ``int(_:)`` (a `UInt64` above `Int.max` throws), `Float` and `Double` ``number(_:)``,
    /// `nil` written with `encodeNil` becomes ``null``.
    public static func encode<T: Encodable>(_ value: T) throws -> JSON {
        let root = JSONNode()
        try value.encode(to: JSONValueEncoder(node: root, codingPath: []))
        return root.value ?? .object([])
    }
}

/// A value being built: a leaf, or an object or array whose members are filled in later.
private final class JSONNode {
    enum Content { case leaf(JSON), object([(String, JSONNode)]), array([JSONNode]) }
    var content: Content?

    var value: JSON? {
        switch content {
        case nil: return nil
        case .leaf(let v)?: return v
        case .object(let fields)?: return .object(fields.map { ($0.0, $0.1.value ?? .object([])) })
        case .array(let items)?: return .array(items.map { $0.value ?? .object([]) })
        }
    }

    /// The member `key` of an object, made (last) if missing; an existing member keeps its place.
    func child(_ key: String) -> JSONNode {
        if case .object(var fields)? = content {
            if let existing = fields.first(where: { $0.0 == key }) { return existing.1 }
            let node = JSONNode()
            fields.append((key, node))
            content = .object(fields)
            return node
        }
        let node = JSONNode()
        content = .object([(key, node)])
        return node
    }

    func append() -> JSONNode {
        let node = JSONNode()
        if case .array(var items)? = content { items.append(node); content = .array(items) } else { content = .array([node]) }
        return node
    }
}

private struct JSONKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init(intValue: Int) { stringValue = String(intValue); self.intValue = intValue }
}

private struct JSONValueEncoder: Encoder {
    let node: JSONNode
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .object? = node.content {} else { node.content = .object([]) }
        return KeyedEncodingContainer(KeyedContainer<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .array? = node.content {} else { node.content = .array([]) }
        return UnkeyedContainer(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleContainer(node: node, codingPath: codingPath) }
}

/// Leaf values, shared by the three containers.
private func leaf<T: Encodable>(_ value: T, _ node: JSONNode, _ path: [any CodingKey]) throws {
    switch value {
    case let v as String: node.content = .leaf(.string(v))
    case let v as Bool: node.content = .leaf(.bool(v))
    case let v as Double: node.content = .leaf(.number(v))
    case let v as Float: node.content = .leaf(.number(Double(v)))
    case let v as Int: node.content = .leaf(.int(v))
    case let v as Int8: node.content = .leaf(.int(Int(v)))
    case let v as Int16: node.content = .leaf(.int(Int(v)))
    case let v as Int32: node.content = .leaf(.int(Int(v)))
    case let v as Int64: node.content = .leaf(.int(Int(v)))
    case let v as UInt8: node.content = .leaf(.int(Int(v)))
    case let v as UInt16: node.content = .leaf(.int(Int(v)))
    case let v as UInt32: node.content = .leaf(.int(Int(v)))
    case let v as UInt: node.content = .leaf(.int(try exactInt(v, path)))
    case let v as UInt64: node.content = .leaf(.int(try exactInt(v, path)))
    default: try value.encode(to: JSONValueEncoder(node: node, codingPath: path))
    }
}

private func exactInt<T: BinaryInteger>(_ v: T, _ path: [any CodingKey]) throws -> Int {
    guard let i = Int(exactly: v) else {
        throw EncodingError.invalidValue(v, .init(codingPath: path, debugDescription: "\(v) does not fit in a JSON integer here"))
    }
    return i
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: JSONNode
    let codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) throws { node.child(key.stringValue).content = .leaf(.null) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try leaf(value, node.child(key.stringValue), codingPath + [key])
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let child = node.child(key.stringValue)
        child.content = .object([])
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(node: child, codingPath: codingPath + [key]))
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = node.child(key.stringValue)
        child.content = .array([])
        return UnkeyedContainer(node: child, codingPath: codingPath + [key])
    }
    mutating func superEncoder() -> any Encoder { JSONValueEncoder(node: node.child("super"), codingPath: codingPath) }
    mutating func superEncoder(forKey key: Key) -> any Encoder {
        JSONValueEncoder(node: node.child(key.stringValue), codingPath: codingPath + [key])
    }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let node: JSONNode
    let codingPath: [any CodingKey]
    var count: Int {
        if case .array(let items)? = node.content { return items.count }
        return 0
    }

    mutating func encodeNil() throws { node.append().content = .leaf(.null) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        try leaf(value, node.append(), codingPath + [JSONKey(intValue: count)])
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let child = node.append()
        child.content = .object([])
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(node: child, codingPath: codingPath))
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let child = node.append()
        child.content = .array([])
        return UnkeyedContainer(node: child, codingPath: codingPath)
    }
    mutating func superEncoder() -> any Encoder { JSONValueEncoder(node: node.append(), codingPath: codingPath) }
}

private struct SingleContainer: SingleValueEncodingContainer {
    let node: JSONNode
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws { node.content = .leaf(.null) }
    mutating func encode<T: Encodable>(_ value: T) throws { try leaf(value, node, codingPath) }
}
