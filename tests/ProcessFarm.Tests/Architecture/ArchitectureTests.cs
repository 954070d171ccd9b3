using System.Reflection;
using System.Runtime.InteropServices;
using ProcessFarm.Coordinator.Execution;
using ProcessFarm.Shared.Imaging;
using Xunit;

namespace ProcessFarm.Tests.Architecture;

/// <summary>The arrows of DESIGN.md: coordinator -> shared &lt;- worker; shared -> native; only shared/Native touches native code.</summary>
public class ArchitectureTests
{
    private static readonly Assembly s_shared = typeof(PixelBuffer).Assembly;
    private static readonly Assembly s_coordinator = typeof(ExecutionMode).Assembly;

    [Fact]
    public void Shared_ReferencesNeitherExecutable()
    {
        var names = s_shared.GetReferencedAssemblies().Select(a => a.Name).ToList();
        Assert.DoesNotContain("processfarm", names);
        Assert.DoesNotContain("processfarm-worker", names);
    }

    [Fact]
    public void Coordinator_DoesNotReferenceTheWorker() =>
        Assert.DoesNotContain("processfarm-worker", s_coordinator.GetReferencedAssemblies().Select(a => a.Name));

    [Fact]
    public void Coordinator_DeclaresNoNativeImports() => Assert.Empty(NativeImports(s_coordinator));

    [Fact]
    public void EveryNativeImport_LivesInSharedNative()
    {
        var imports = NativeImports(s_shared).ToList();
        Assert.NotEmpty(imports);
        Assert.All(imports, m => Assert.Equal("ProcessFarm.Shared.Native", m.DeclaringType!.Namespace));
    }

    [Fact]
    public void SharedMemoryHeader_IsPinnedAt64Bytes()
    {
        Assert.Equal(64, System.Runtime.CompilerServices.Unsafe.SizeOf<Shared.SharedMemory.RegionHeader>());
        Assert.Equal(16, Marshal.OffsetOf<Shared.SharedMemory.RegionHeader>(nameof(Shared.SharedMemory.RegionHeader.TotalBytes)).ToInt32());
        Assert.Equal(24, Marshal.OffsetOf<Shared.SharedMemory.RegionHeader>(nameof(Shared.SharedMemory.RegionHeader.DataOffset)).ToInt32());
        Assert.Equal(32, Marshal.OffsetOf<Shared.SharedMemory.RegionHeader>(nameof(Shared.SharedMemory.RegionHeader.DataBytes)).ToInt32());
    }

    /// <summary>Methods with a P/Invoke behind them: the generated stubs of [LibraryImport] and any [DllImport].</summary>
    private static IEnumerable<MethodInfo> NativeImports(Assembly assembly) =>
        assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Where(m => m.GetCustomAttribute<LibraryImportAttribute>() is not null || (m.Attributes & MethodAttributes.PinvokeImpl) != 0)
            .Where(m => m.DeclaringType!.Namespace is not null && !m.DeclaringType.Namespace.StartsWith("System", StringComparison.Ordinal));
}
