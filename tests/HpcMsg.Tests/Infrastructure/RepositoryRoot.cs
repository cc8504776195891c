namespace HpcMsg.Tests.Infrastructure;

/// <summary>The checkout the tests were built from: the folder above the test assembly that holds HpcMsg.sln.</summary>
public static class RepositoryRoot
{
    /// <summary>The checkout's path, or null when the tests run from elsewhere (a copied output folder).</summary>
    public static string? Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "HpcMsg.sln"))) return dir.FullName;
        return null;
    }

    public static string Path => Find() ?? throw new DirectoryNotFoundException($"no HpcMsg.sln above {AppContext.BaseDirectory}");
}
