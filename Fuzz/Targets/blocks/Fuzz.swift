import FuzzChecks

/// libFuzzer entry point: traps on a failed check so that libFuzzer saves the input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    if let failure = FuzzChecks.blocks(UnsafeRawBufferPointer(start: data, count: size)) {
        fatalError(failure)
    }
    return 0
}
