import MinifloatIO

/// Writes `bytes` to `path` as ``ArrayOutput`` writes files: through an exclusive temporary file
/// and a rename (a regular file keeps its mode; a link's target is replaced), or through a device
/// or pipe. Errors are one-line CLI errors naming the path.
func writeAtomically(_ bytes: [UInt8], to path: String) throws {
    do { try ArrayOutput.write(bytes, to: path) } catch let e as ArrayFileError { throw CLIError(e.description) }
}

/// Refuses (exit 2) a command whose output is one of its inputs or whose outputs coincide
/// (``FileIdentity/checkDistinct(inputs:outputs:)``); nil paths are options not given.
func checkDistinct(inputs: [(String, String?)], outputs: [(String, String?)]) throws {
    do {
        try FileIdentity.checkDistinct(inputs: inputs.compactMap { r, p in p.map { (r, $0) } },
                                       outputs: outputs.compactMap { r, p in p.map { (r, $0) } })
    } catch let e as ArrayFileError {
        throw CLIError(e.description)
    }
}

/// The files a block-format folder holds (quantize --output-dir, decode --input-dir).
func blockFolderFiles(_ dir: String?, role: String) -> [(String, String?)] {
    guard let dir else { return [] }
    let base = dir.hasSuffix("/") ? String(dir.dropLast()) : dir
    return ["scales.npy", "elements.npy", "tensor_scale.npy", "block.json"].map { ("\(role) file", base + "/" + $0) }
}
