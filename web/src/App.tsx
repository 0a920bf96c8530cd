import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { AuthProvider, useCurrentUser } from './auth/AuthContext';
import { RequireAdmin, RequireAuth } from './auth/RequireAuth';
import { Layout } from './components/Layout';
import { ApiKeysPage } from './pages/ApiKeysPage';
import { BillingPage } from './pages/BillingPage';
import { AuditPage } from './pages/AuditPage';
import { TenancyPage } from './pages/TenancyPage';
import { LoginHistoryPage } from './pages/LoginHistoryPage';
import { ClusterResourcesLayout } from './pages/ClusterResourcesLayout';
import { ClusterSettingsPage } from './pages/ClusterSettingsPage';
import { FindingsPage } from './pages/FindingsPage';
import { FleetPage } from './pages/FleetPage';
import { FluxClusterEditorPage } from './pages/FluxClusterEditorPage';
import { FluxClustersPage } from './pages/FluxClustersPage';
import { FluxComponentsPage } from './pages/FluxComponentsPage';
import { FluxImportPage } from './pages/FluxImportPage';
import { FluxNamespacesPage } from './pages/FluxNamespacesPage';
import { FluxPreviewPage } from './pages/FluxPreviewPage';
import { FluxRoleBindingsPage } from './pages/FluxRoleBindingsPage';
import { HelmReleasePage } from './pages/HelmReleasePage';
import { HelmReleasesPage } from './pages/HelmReleasesPage';
import { IncidentPage } from './pages/IncidentPage';
import { IncidentsPage } from './pages/IncidentsPage';
import { LoginPage } from './pages/LoginPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { OverviewPage } from './pages/OverviewPage';
import { RegisterPage } from './pages/RegisterPage';
import { RemediationPage } from './pages/RemediationPage';
import { ResetPasswordPage } from './pages/ResetPasswordPage';
import { ResourceDetailPage } from './pages/ResourceDetailPage';
import { ResourceListPage } from './pages/ResourceListPage';
import { AlertLifecyclePage } from './pages/AlertLifecyclePage';
import { AlertsPage } from './pages/AlertsPage';
import { AssistantPage } from './pages/AssistantPage';
import { PredictionsPage } from './pages/PredictionsPage';
import { RightsizingPage } from './pages/RightsizingPage';
import { RunbooksPage } from './pages/RunbooksPage';
import { SloPage } from './pages/SloPage';
import { UsersPage } from './pages/UsersPage';
import { isTenancyRole } from './lib/roles';

/** The fleet, except for the tenancy roles: it calls routes closed to them, so they start at their tenants. */
function Landing() {
  return isTenancyRole(useCurrentUser().roles) ? <Navigate to="/tenants" replace /> : <FleetPage />;
}

export function App() {
  return (
    <BrowserRouter>
      <AuthProvider>
        <Routes>
          <Route path="/login" element={<LoginPage />} />
          <Route path="/reset-password" element={<ResetPasswordPage />} />
          <Route path="/register" element={<RegisterPage />} />
          <Route
            element={
              <RequireAuth>
                <Layout />
              </RequireAuth>
            }
          >
            <Route index element={<Landing />} />
            <Route path="clusters/:name" element={<ClusterSettingsPage />} />
            <Route path="clusters/:cluster/resources" element={<ClusterResourcesLayout />}>
              <Route index element={<Navigate to="core/v1/pods" replace />} />
              <Route path=":group/:version/:resource" element={<ResourceListPage />} />
              <Route path=":group/:version/:resource/:name" element={<ResourceDetailPage />} />
              <Route path=":group/:version/:resource/:namespace/:name" element={<ResourceDetailPage />} />
            </Route>
            <Route path="clusters/:cluster/helm" element={<ClusterResourcesLayout />}>
              <Route index element={<HelmReleasesPage />} />
              <Route path=":namespace/:name" element={<HelmReleasePage />} />
            </Route>
            <Route path="about" element={<OverviewPage />} />
            <Route path="api-keys" element={<ApiKeysPage />} />
            <Route
              path="users"
              element={
                <RequireAdmin>
                  <UsersPage />
                </RequireAdmin>
              }
            />
            <Route path="findings" element={<FindingsPage />} />
            <Route path="incidents" element={<IncidentsPage />} />
            <Route path="incidents/:id" element={<IncidentPage />} />
            <Route path="remediation" element={<RemediationPage />} />
            <Route path="runbooks" element={<RunbooksPage />} />
            <Route path="slo" element={<SloPage />} />
            <Route path="rightsizing" element={<RightsizingPage />} />
            <Route path="alerts" element={<AlertsPage />} />
            <Route path="alerts/lifecycle" element={<AlertLifecyclePage />} />
            <Route path="predictions" element={<PredictionsPage />} />
            <Route path="assistant" element={<AssistantPage />} />
            <Route path="tenants" element={<TenancyPage />} />
            <Route path="billing" element={<BillingPage />} />
            <Route path="audit" element={<AuditPage />} />
            <Route path="logins/:username" element={<LoginHistoryPage />} />
            <Route path="flux" element={<Navigate to="/flux/clusters" replace />} />
            <Route path="flux/clusters" element={<FluxClustersPage />} />
            <Route path="flux/clusters/:name" element={<FluxClusterEditorPage />} />
            <Route path="flux/clusters/:name/preview" element={<FluxPreviewPage />} />
            <Route path="flux/components" element={<FluxComponentsPage />} />
            <Route path="flux/namespaces" element={<FluxNamespacesPage />} />
            <Route path="flux/rolebindings" element={<FluxRoleBindingsPage />} />
            <Route path="flux/import" element={<FluxImportPage />} />
            <Route path="*" element={<NotFoundPage />} />
          </Route>
        </Routes>
      </AuthProvider>
    </BrowserRouter>
  );
}
