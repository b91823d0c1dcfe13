import * as path from 'path';
import * as vscode from 'vscode';

export const TASK_TYPE = 'rml';

interface RmlTaskDefinition extends vscode.TaskDefinition {
  type: typeof TASK_TYPE;
  config: string;
  backend?: string;
}

/**
 * Task provider for `"type": "rml"`: one "train" task per `*.train.json`, and the same for tasks written in
 * tasks.json. The task runs the CLI (`rml train`) in a terminal with the Node that runs the extension host,
 * so it needs nothing on PATH; VS Code itself only runs tasks in trusted workspaces.
 */
export class RmlTaskProvider implements vscode.TaskProvider {
  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly env: () => Record<string, string>,
  ) {}

  async provideTasks(): Promise<vscode.Task[]> {
    const configs = await vscode.workspace.findFiles('**/*.train.json', '**/node_modules/**', 200);
    return configs.flatMap((uri) => {
      const folder = vscode.workspace.getWorkspaceFolder(uri);
      if (!folder) return [];
      const rel = path.relative(folder.uri.fsPath, uri.fsPath).split(path.sep).join('/');
      return [this.build({ type: TASK_TYPE, config: rel }, folder)];
    });
  }

  resolveTask(task: vscode.Task): vscode.Task | undefined {
    const def = task.definition as RmlTaskDefinition;
    if (def.type !== TASK_TYPE || typeof def.config !== 'string') return undefined;
    const scope =
      task.scope && typeof task.scope === 'object' ? task.scope : vscode.workspace.workspaceFolders?.[0];
    return scope ? this.build(def, scope, task) : undefined;
  }

  private build(def: RmlTaskDefinition, folder: vscode.WorkspaceFolder, original?: vscode.Task): vscode.Task {
    // The launcher runs the CLI; the CLI's bundle itself only exports it (a task running it did nothing).
    const cli = this.context.asAbsolutePath(path.join('dist', 'launch.js'));
    const args = [cli, 'train', def.config, ...(def.backend ? ['--backend', def.backend] : [])];
    const execution = new vscode.ProcessExecution(process.execPath, args, {
      cwd: folder.uri.fsPath,
      // In desktop VS Code process.execPath is Electron; this makes it behave as plain Node.
      env: { ELECTRON_RUN_AS_NODE: '1', ...this.env() },
    });
    const task = new vscode.Task(
      original?.definition ?? def,
      folder,
      original?.name ?? `train ${def.config}`,
      TASK_TYPE,
      execution,
      [],
    );
    task.group = vscode.TaskGroup.Build;
    task.detail = `Train a model from ${def.config} (Responsible ML)`;
    return task;
  }
}
