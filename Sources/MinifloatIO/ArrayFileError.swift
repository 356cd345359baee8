import Minifloat

/// A problem with an array file: the message is one line that names the file, the problem and the fix.
public struct ArrayFileError: Error, CustomStringConvertible, Equatable {
    /// The message: what is wrong and what to do.
    public let description: String
    /// Control characters (from file names or header text) are escaped: the message is one line.
    public init(_ description: String) { self.description = description.singleLine }
}
