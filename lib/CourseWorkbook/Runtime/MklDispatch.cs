using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace CourseWorkbook.Runtime;

/// <summary>What <see cref="MklDispatch.UseAvx512OnAmd"/> did, and why.</summary>
/// <param name="Applied">True when MKL will now choose its AVX-512 kernels.</param>
/// <param name="Message">What was done, or why nothing was.</param>
public sealed record MklDispatchResult(bool Applied, string Message);

/// <summary> libtorch's CPU matrix products run in Intel MKL (oneMKL 2024 is linked into libtorch_cpu), which chooses
/// its kernels by CPU vendor: on an AMD CPU that has AVX-512 (e.g. EPYC Zen 4) it still runs its generic AVX2 code,
/// about 2.4× slower per core than its AVX-512 code (measured: a [672, 384] × [384, 1536] float product, 8.8 ms vs 3.7
/// ms on one thread), while ONNX Runtime's own kernels use AVX-512. This opt-in makes MKL's vendor test
/// (<c>mkl_serv_intel_cpu_true</c>) answer yes, so MKL dispatches on the CPU's features instead. It only acts on Linux
/// x64 with an AMD CPU that reports AVX-512F, must run before the first matrix product (MKL caches its choice), and
/// changes results only by float rounding. Off by default: nothing in the workbook depends on it.
/// </summary>
public static class MklDispatch
{
    static MklDispatchResult? result;

    /// <summary>Makes MKL use its AVX-512 kernels on an AMD CPU with AVX-512 (see the class remarks);
    /// idempotent.</summary>
    public static MklDispatchResult UseAvx512OnAmd()
    {
        if (result is not null) return result;
        var report = TorchRuntime.EnsureLoaded();
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
            return result = new(false, "only Linux x64 is handled");
        if (Vendor() != "AuthenticAMD")
            return result = new(false, $"the CPU vendor is {Vendor()}: MKL already dispatches by features");
        if (!Avx512F.IsSupported)
            return result = new(false, "the CPU has no AVX-512: MKL's AVX2 kernels are already the right ones");
        if (report.LibTorchDirectory is null) return result = new(false, "libtorch's folder is unknown");
        var lib = NativeLibrary.Load(Path.Combine(report.LibTorchDirectory, "libtorch_cpu.so"));
        if (!NativeLibrary.TryGetExport(lib, "mkl_serv_intel_cpu_true", out var function))
            return result = new(false, "libtorch_cpu.so exports no mkl_serv_intel_cpu_true (another MKL build?)");
        // mov eax, 1; ret
        byte[] code = [0xB8, 0x01, 0x00, 0x00, 0x00, 0xC3];
        long page = Environment.SystemPageSize;
        var start = (nint)((long)function & ~(page - 1));
        nint length = (nint)(((long)function + code.Length - (long)start + page - 1) / page * page);
        const int Read = 1, Write = 2, Exec = 4;
        if (mprotect(start, length, Read | Write | Exec) != 0)
            return result = new(false,
                $"mprotect failed (errno {Marshal.GetLastPInvokeError()}): the code could not be patched");
        Marshal.Copy(code, 0, function, code.Length);
        mprotect(start, length, Read | Exec);
        return result = new(true, "MKL now treats this AMD CPU by its features (AVX-512 kernels), unless a matrix " +
            "product already ran in this process: MKL keeps the choice it made then");
    }

    static string Vendor()
    {
        if (!X86Base.IsSupported) return "not x86";
        var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        Span<int> parts = [ebx, edx, ecx];
        return System.Text.Encoding.ASCII.GetString(MemoryMarshal.AsBytes(parts));
    }

    [DllImport("libc", SetLastError = true)]
    static extern int mprotect(nint address, nint length, int protection);
}
